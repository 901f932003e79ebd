import KappaBroker
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaServer

/// The connection pipeline with SASL required, over an in-memory broker and without sockets: what an
/// unauthenticated client can and cannot get, and both handshake versions.
@Suite struct SaslGateTests {
    let channel: EmbeddedChannel
    let broker: Broker

    init() throws {
        var config = BrokerConfig()
        config.dataDirectory = nil
        self.broker = try Broker(config: config, logger: Logger(label: "test"))
        let users = UsersFile(users: ["alice": ScramCredential(password: "s3cret")])
        self.channel = EmbeddedChannel()
        try self.channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: 1 << 20)))
        try self.channel.pipeline.syncOperations.addHandler(
            KafkaConnectionHandler(
                broker: self.broker, logger: Logger(label: "test"), sasl: SaslAuthenticator(users: users)))
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9999)).wait()
    }

    private func send(_ apiKey: Int16, _ version: Int16, _ correlationId: Int32, _ body: some KafkaMessage) throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(0))
        RequestHeader(apiKey: apiKey, apiVersion: version, correlationId: correlationId, clientId: "t").write(
            to: &buffer)
        body.write(to: &buffer, version: version)
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0)
        try self.channel.writeInbound(buffer)
    }

    /// One response frame: correlation id and the body after a v0 response header (v1 for flexible versions).
    private func response(flexible: Bool = false) throws -> (Int32, ByteBuffer)? {
        guard var out = try self.channel.readOutbound(as: ByteBuffer.self) else { return nil }
        #expect(out.readInteger(as: Int32.self).map(Int.init) == out.readableBytes)
        let correlation = out.readInteger(as: Int32.self)
        if flexible { #expect(out.readInteger(as: UInt8.self) == 0) }
        return (try #require(correlation), out)
    }

    private func plain(_ user: String, _ password: String) -> [UInt8] {
        [0] + Array(user.utf8) + [0] + Array(password.utf8)
    }

    private func handshake(_ mechanism: String, version: Int16 = 1) throws -> SaslHandshakeResponse {
        try self.send(17, version, 1, SaslHandshakeRequest(mechanism: mechanism))
        var (correlation, body) = try #require(try self.response())
        #expect(correlation == 1)
        return try SaslHandshakeResponse(from: &body, version: version)
    }

    private func authenticate(_ token: [UInt8], version: Int16 = 2) throws -> SaslAuthenticateResponse? {
        try self.send(36, version, 2, SaslAuthenticateRequest(authBytes: token))
        guard var (_, body) = try self.response(flexible: version >= 2) else { return nil }
        return try SaslAuthenticateResponse(from: &body, version: version)
    }

    @Test func apiVersionsIsAnsweredBeforeAuthenticationAndListsSasl() throws {
        try self.send(18, 3, 7, ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1"))
        var (correlation, body) = try #require(try self.response())
        #expect(correlation == 7)
        let keys = try ApiVersionsResponse(from: &body, version: 3).apiKeys
        #expect(keys.contains { $0.apiKey == 17 && $0.minVersion == 0 && $0.maxVersion == 1 })
        #expect(keys.contains { $0.apiKey == 36 && $0.minVersion == 0 && $0.maxVersion == 2 })
        #expect(self.channel.isActive)
    }

    @Test func metadataBeforeAuthenticationClosesWithoutAnswer() throws {
        try self.send(3, 1, 5, MetadataRequest(topics: nil))
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!self.channel.isActive)
    }

    @Test func metadataAfterHandshakeButBeforeAuthenticateCloses() throws {
        #expect(try self.handshake("PLAIN").errorCode == 0)
        try self.send(3, 1, 5, MetadataRequest(topics: nil))
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!self.channel.isActive)
    }

    @Test func plainRightPasswordLetsTheClientIn() throws {
        let handshake = try self.handshake("PLAIN")
        #expect(handshake.errorCode == 0)
        #expect(handshake.mechanisms == ["PLAIN", "SCRAM-SHA-256"])
        let response = try #require(try self.authenticate(self.plain("alice", "s3cret")))
        #expect(response.errorCode == 0)
        #expect(response.errorMessage == nil)
        try self.send(3, 1, 9, MetadataRequest(topics: []))
        #expect(try self.response()?.0 == 9)
        #expect(self.channel.isActive)
    }

    @Test func wrongPasswordGetsAuthenticationFailedThenClose() throws {
        _ = try self.handshake("PLAIN")
        let response = try #require(try self.authenticate(self.plain("alice", "guess"), version: 1))
        #expect(response.errorCode == 58)
        #expect(response.errorMessage == "Authentication failed: Invalid username or password")
        #expect(!self.channel.isActive)
    }

    @Test func unknownMechanismGetsTheListThenClose() throws {
        let handshake = try self.handshake("GSSAPI", version: 0)
        #expect(handshake.errorCode == 33)
        #expect(handshake.mechanisms == ["PLAIN", "SCRAM-SHA-256"])
        #expect(!self.channel.isActive)
    }

    @Test func authenticateWithoutHandshakeCloses() throws {
        let response = try #require(try self.authenticate(self.plain("alice", "s3cret"), version: 0))
        #expect(response.errorCode == 34)
        #expect(!self.channel.isActive)
    }

    @Test func handshakeV0TakesABareTokenAndAnswersWithABareFrame() throws {
        #expect(try self.handshake("PLAIN", version: 0).errorCode == 0)
        var token = ByteBuffer()
        let plain = self.plain("alice", "s3cret")
        token.writeInteger(Int32(plain.count))
        token.writeBytes(plain)
        try self.channel.writeInbound(token)
        var empty = try #require(try self.channel.readOutbound(as: ByteBuffer.self))
        #expect(empty.readInteger(as: Int32.self) == 0)
        #expect(empty.readableBytes == 0)
        try self.send(3, 1, 11, MetadataRequest(topics: []))
        #expect(try self.response()?.0 == 11)
    }

    @Test func handshakeV0WrongPasswordClosesSilently() throws {
        _ = try self.handshake("PLAIN", version: 0)
        var token = ByteBuffer()
        let plain = self.plain("alice", "nope")
        token.writeInteger(Int32(plain.count))
        token.writeBytes(plain)
        try self.channel.writeInbound(token)
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!self.channel.isActive)
    }

    @Test func aSecondHandshakeAfterAuthenticationIsRefused() throws {
        _ = try self.handshake("PLAIN")
        #expect(try self.authenticate(self.plain("alice", "s3cret"))?.errorCode == 0)
        #expect(try self.handshake("PLAIN").errorCode == 34)
        #expect(!self.channel.isActive)
    }
}
