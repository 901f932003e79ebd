import CRdKafka
import Foundation
import KappaWire
import NIOCore
import NIOPosix
import NIOSSL

/// One connection speaking the Kafka protocol, over TCP or TLS and authenticated with SASL when the
/// security settings say so: a request goes out as int32 size + request header (v1, or v2 for flexible
/// versions) + body, and the answer with the same correlation id comes back. The I/O runs on a SwiftNIO
/// event loop, but every call blocks until its answer (the callers are a CLI and worker queues), so never
/// call it on an event loop. Not thread-safe: one caller at a time (`RawKafkaClient` owns it).
final class KafkaConnection {
    let host: String
    let port: Int
    private let channel: Channel
    private let firstFailure = KafkaClientChannelHandler.FirstFailure()
    private var correlationId: Int32 = 0
    private let clientId: String
    private let timeoutMs: Int
    /// The broker's version range per API key, from ApiVersions at connect.
    private(set) var versions: [Int16: ClosedRange<Int16>] = [:]
    private var isOpen = true
    /// When the broker ends the SASL session (KIP-368's session lifetime), less a margin; nil for never.
    private var sessionDeadline: ContinuousClock.Instant?

    /// False once a request failed or timed out (later answers could not be matched to their requests),
    /// and shortly before the broker would close an expiring SASL session: the owner opens a new one.
    var isUsable: Bool {
        self.isOpen && self.sessionDeadline.map { ContinuousClock.now < $0 } ?? true
    }

    private var peer: String { "\(self.host):\(self.port)" }

    init(host: String, port: Int, clientId: String, timeoutMs: Int, security: KafkaConnectionSecurity = .plaintext) throws {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.timeoutMs = timeoutMs
        self.channel = try Self.connect(
            host: host, port: port, timeoutMs: timeoutMs, tls: security.tls, firstFailure: self.firstFailure)
        do {
            // v0: every broker answers it, and the response header is v0 whatever the version. Kafka and Kappa
            // answer it before authentication.
            let answer = try self.send(ApiVersionsRequest(), as: ApiVersionsResponse.self, apiKey: 18, version: 0)
            guard answer.errorCode == 0 else { throw KafkaClientError(code: Int32(answer.errorCode), message: "ApiVersions failed") }
            for api in answer.apiKeys where api.minVersion <= api.maxVersion {
                self.versions[api.apiKey] = api.minVersion...api.maxVersion
            }
            if let sasl = security.sasl { try self.authenticate(sasl) }
        } catch {
            self.close()
            throw error
        }
    }

    deinit { self.close() }

    func close() {
        self.isOpen = false
        self.channel.close(promise: nil)
    }

    /// The highest version both sides speak of API `apiKey`, or an error naming the API.
    func version(apiKey: Int16, ours: ClosedRange<Int16>, name: String) throws -> Int16 {
        guard let theirs = self.versions[apiKey], theirs.overlaps(ours) else {
            throw KafkaClientError(
                RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION, "the broker at \(self.peer) does not support \(name) (API \(apiKey))")
        }
        return min(theirs.upperBound, ours.upperBound)
    }

    /// Sends `request` and reads its response at `version`.
    func send<Response: KafkaMessage>(
        _ request: some KafkaMessage, as: Response.Type, apiKey: Int16, version: Int16
    ) throws -> Response {
        self.correlationId &+= 1
        let id = self.correlationId
        var body = ByteBuffer()
        body.writeInteger(Int32(0))  // size, patched below
        RequestHeader(apiKey: apiKey, apiVersion: version, correlationId: id, clientId: self.clientId).write(to: &body)
        request.write(to: &body, version: version)
        body.setInteger(Int32(body.readableBytes - 4), at: 0)
        var response = try self.roundTrip(body)
        let header = try ResponseHeader(
            from: &response, headerVersion: ResponseHeader.headerVersion(apiKey: apiKey, apiVersion: version))
        guard header.correlationId == id else {
            self.close()
            throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "response \(header.correlationId) does not answer request \(id)")
        }
        return try Response(from: &response, version: version)
    }

    /// Writes one framed request and waits for the next response frame, at most `timeoutMs`.
    private func roundTrip(_ bytes: ByteBuffer) throws -> ByteBuffer {
        guard self.isOpen else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "the connection to \(self.peer) is closed")
        }
        let loop = self.channel.eventLoop
        let response = loop.makePromise(of: ByteBuffer.self)
        let peer = self.peer
        let timer = loop.scheduleTask(in: .milliseconds(Int64(self.timeoutMs))) {
            response.fail(KafkaClientError(RD_KAFKA_RESP_ERR__TIMED_OUT, "no answer from \(peer) in time"))
        }
        response.futureResult.whenComplete { _ in timer.cancel() }
        // A write that fails never reaches the handler (the pipeline is gone once the channel closed): it
        // fails the request with the connection's first failure, e.g. the refused TLS handshake.
        let written = loop.makePromise(of: Void.self)
        let firstFailure = self.firstFailure
        written.futureResult.whenFailure { error in
            response.fail(firstFailure.error ?? KafkaClientChannelHandler.clientError(error, peer: peer))
        }
        self.channel.writeAndFlush(KafkaClientChannelHandler.Request(bytes: bytes, response: response), promise: written)
        do {
            return try response.futureResult.wait()
        } catch {
            self.close()
            throw KafkaClientChannelHandler.clientError(error, peer: peer)
        }
    }

    // MARK: SASL

    /// SaslHandshake v1 naming the mechanism, then SaslAuthenticate with each token of the exchange (KIP-152).
    private func authenticate(_ sasl: KafkaConnectionSecurity.Sasl) throws {
        let mechanism = sasl.mechanism.rawValue
        let handshakeVersion = try self.version(apiKey: 17, ours: 1...1, name: "SaslHandshake v1")
        let handshake = try self.send(
            SaslHandshakeRequest(mechanism: mechanism), as: SaslHandshakeResponse.self, apiKey: 17, version: handshakeVersion)
        guard handshake.errorCode == 0 else {
            let offered = handshake.mechanisms.isEmpty ? "none" : handshake.mechanisms.joined(separator: ", ")
            throw KafkaClientError(
                code: Int32(handshake.errorCode),
                message: "the broker at \(self.peer) does not offer SASL \(mechanism) (it offers: \(offered))")
        }
        let version = try self.version(apiKey: 36, ours: SaslAuthenticateRequest.validVersions, name: "SaslAuthenticate")
        var exchange = SaslClientExchange(sasl)
        var token: [UInt8]? = exchange.first
        while let out = token {
            let answer = try self.send(
                SaslAuthenticateRequest(authBytes: out), as: SaslAuthenticateResponse.self, apiKey: 36, version: version)
            guard answer.errorCode == 0 else {
                let reason = (answer.errorMessage ?? "no reason given").split(whereSeparator: \.isNewline).joined(separator: " ")
                throw KafkaClientError(
                    code: Int32(answer.errorCode),
                    message: "SASL \(mechanism) authentication as '\(sasl.username)' to \(self.peer) failed: \(reason)")
            }
            if answer.sessionLifetimeMs > 0 {
                self.sessionDeadline = .now + .milliseconds(answer.sessionLifetimeMs * 9 / 10)
            }
            do {
                token = try exchange.receive(answer.authBytes)
            } catch {
                self.close()
                throw KafkaClientError(
                    RD_KAFKA_RESP_ERR__AUTHENTICATION,
                    "SASL \(mechanism) authentication as '\(sasl.username)' to \(self.peer) failed: \(error.message)")
            }
        }
    }

    // MARK: transport

    /// Connects (resolving `host`, trying each address) and sets up TLS when asked; the certificate must
    /// name `host` (its IP address when `host` is one) unless the settings turned that check off.
    private static func connect(
        host: String, port: Int, timeoutMs: Int, tls: KafkaConnectionSecurity.TLS?,
        firstFailure: KafkaClientChannelHandler.FirstFailure
    ) throws -> Channel {
        let peer = "\(host):\(port)"
        // SNI carries names only; for an address NIOSSL checks the certificate against the peer's IP.
        let serverName: String? = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls.context, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(KafkaClientChannelHandler(peer: peer, firstFailure: firstFailure))
                }
            }
        do {
            return try bootstrap.connect(host: host, port: port).wait()
        } catch let error as NIOConnectionError {
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__RESOLVE, "cannot resolve \(host): \(KafkaClientChannelHandler.text(dns))")
            }
            let reason = error.connectionErrors.first.map { KafkaClientChannelHandler.text($0.error) } ?? "no address"
            throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "cannot connect to \(peer): \(reason)")
        } catch ChannelError.connectTimeout {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "cannot connect to \(peer) in \(timeoutMs) ms")
        } catch {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "cannot connect to \(peer): \(KafkaClientChannelHandler.text(error))")
        }
    }

}
