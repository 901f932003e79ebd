import KappaBroker
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaServer

/// The connection pipeline (framing + ordered dispatch) over an in-memory broker, without sockets.
@Suite struct KafkaConnectionHandlerTests {
    let channel: EmbeddedChannel
    let broker: Broker

    init() throws {
        var config = BrokerConfig()
        config.dataDirectory = nil
        self.broker = try Broker(config: config, logger: Logger(label: "test"))
        self.channel = EmbeddedChannel()
        try self.channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: 1 << 20)))
        try self.channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(broker: self.broker, logger: Logger(label: "test")))
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9999)).wait()
    }

    /// Reads one response frame: (correlation id, body after a v0 header).
    private func response() throws -> (Int32, ByteBuffer)? {
        guard var out = try self.channel.readOutbound(as: ByteBuffer.self) else { return nil }
        let size = out.readInteger(as: Int32.self)
        #expect(size.map(Int.init) == out.readableBytes)
        let correlation = out.readInteger(as: Int32.self)
        return (try #require(correlation), out)
    }

    @Test func apiVersionsV3AnswersWithHeaderV0AndOurRanges() throws {
        let header = RequestHeader(apiKey: 18, apiVersion: 3, correlationId: 41, clientId: "t")
        try self.channel.writeInbound(requestFrame(header, ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1")))
        var (correlation, body) = try #require(try self.response())
        #expect(correlation == 41)
        let response = try ApiVersionsResponse(from: &body, version: 3)
        #expect(response.errorCode == 0)
        #expect(response.apiKeys.contains { $0.apiKey == 0 && $0.minVersion == 0 && $0.maxVersion == 9 })
        #expect(body.readableBytes == 0)
    }

    @Test func tooNewApiVersionsGetsUnsupportedVersionInV0Format() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(0))
        RequestHeader(apiKey: 18, apiVersion: 9, correlationId: 5, clientId: "t").write(to: &buffer)
        buffer.writeBytes([0xDE, 0xAD])  // a body we must not try to parse
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0)
        try self.channel.writeInbound(buffer)
        var (correlation, body) = try #require(try self.response())
        #expect(correlation == 5)
        let response = try ApiVersionsResponse(from: &body, version: 0)
        #expect(response.errorCode == 35)
        #expect(response.apiKeys.map(\.apiKey) == [18])
        #expect(body.readableBytes == 0)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        var both = requestFrame(RequestHeader(apiKey: 18, apiVersion: 0, correlationId: 1, clientId: nil), ApiVersionsRequest())
        var second = requestFrame(RequestHeader(apiKey: 3, apiVersion: 0, correlationId: 2, clientId: nil), MetadataRequest(topics: []))
        both.writeBuffer(&second)
        try self.channel.writeInbound(both)
        #expect(try self.response()?.0 == 1)
        #expect(try self.response()?.0 == 2)
    }

    @Test func saslHandshakeWithoutSaslOnGetsNoMechanisms() throws {
        let header = RequestHeader(apiKey: 17, apiVersion: 1, correlationId: 12, clientId: "t")
        try self.channel.writeInbound(requestFrame(header, SaslHandshakeRequest(mechanism: "PLAIN")))
        var (correlation, body) = try #require(try self.response())
        #expect(correlation == 12)
        let response = try SaslHandshakeResponse(from: &body, version: 1)
        #expect(response.errorCode == 33)
        #expect(response.mechanisms.isEmpty)
    }

    @Test func unknownApiKeyClosesTheConnection() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(10))
        buffer.writeInteger(Int16(999))
        buffer.writeInteger(Int16(0))
        buffer.writeInteger(Int32(3))
        buffer.writeInteger(Int16(-1))
        try self.channel.writeInbound(buffer)
        #expect(try self.response() == nil)
        #expect(!self.channel.isActive)
    }

    @Test func malformedBodyClosesTheConnection() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(0))
        RequestHeader(apiKey: 3, apiVersion: 1, correlationId: 3, clientId: nil).write(to: &buffer)
        buffer.writeInteger(Int32(5))  // five topics follow... but none do
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0)
        try self.channel.writeInbound(buffer)
        #expect(try self.response() == nil)
        #expect(!self.channel.isActive)
    }

    @Test func produceWithAcksZeroGetsNoResponse() throws {
        var builder = RecordBatchBuilder()
        builder.append(key: Array("k".utf8), value: Array("v".utf8), headers: [], timestamp: 1)
        let produce = ProduceRequest(acks: 0, timeoutMs: 1000, topicData: [
            .init(name: "quiet", partitionData: [.init(index: 0, records: builder.build())])
        ])
        try self.channel.writeInbound(requestFrame(RequestHeader(apiKey: 0, apiVersion: 7, correlationId: 9, clientId: nil), produce))
        try self.channel.writeInbound(requestFrame(RequestHeader(apiKey: 18, apiVersion: 0, correlationId: 10, clientId: nil), ApiVersionsRequest()))
        #expect(try self.response()?.0 == 10, "the acks=0 produce must not be answered")
    }
}
