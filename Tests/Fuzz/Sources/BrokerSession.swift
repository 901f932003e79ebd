#if KAPPA_FUZZ_BROKER
import KappaBroker
import KappaWire
import Logging
import NIOCore
import NIOEmbedded

/// One connection to a fresh in-memory broker, answered the way `KafkaConnectionHandler` answers:
/// in order, stopping where the server would close the connection. Every response the broker
/// writes must decode with the response schema of the request's API and version. With SASL on,
/// frames go through the server's `SaslGate` first, as on a listener with `--sasl-users`.
final class BrokerSession {
    private let loop = EmbeddedEventLoop()
    private let broker: Broker
    private let connection = ClientConnection(host: "127.0.0.1", port: 40_000)
    private let gate: SaslGate?

    init(sasl: Bool) {
        var config = BrokerConfig()
        config.groups.initialRebalanceDelayMs = 0
        do {
            self.broker = try Broker(config: config, logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
        } catch {
            Invariant.fail("cannot start an in-memory broker: \(error)")
        }
        self.gate = sasl ? SaslGate(authenticator: Self.authenticator) : nil
        self.broker.startMaintenance(on: self.loop)
    }

    /// User "fuzz", password "fuzz"; deriving the credential is slow, so it is done once.
    private static let authenticator = SaslAuthenticator(
        users: UsersFile(users: ["fuzz": ScramCredential(password: "fuzz", salt: Array("fuzz-salt".utf8))]))

    /// Answers one frame through the SASL gate when there is one; false when the connection would close.
    func handle(frame: ByteBuffer) -> Bool {
        guard let gate = self.gate else { return self.answer(frame: frame) }
        if gate.expectsBareToken {
            return self.apply(gate.admitBareToken(frame, broker: self.broker, connection: self.connection), header: nil)
        }
        var body = frame
        guard let header = try? RequestHeader(from: &body) else { return false }
        let verdict = gate.admit(header: header, body: body, broker: self.broker, connection: self.connection)
        if case .pass = verdict { return self.answer(frame: frame) }
        return self.apply(verdict, header: header)
    }

    private func apply(_ verdict: SaslGate.Verdict, header: RequestHeader?) -> Bool {
        switch verdict {
        case .pass, .bareToken:
            return true
        case .answer(.response(let body)):
            if let header { Self.checkResponse(body, header: header) }
            return true
        case .answer(.noResponse):
            return true
        case .answer(.fileBacked):
            fatalError("the SASL gate answered with file regions")
        case .answer(.close), .reject:
            return false
        case .answerThenClose(let reply, _):
            if case .response(let body) = reply, let header { Self.checkResponse(body, header: header) }
            return false
        }
    }

    /// Hands one frame to the broker; false when the connection would be closed or stays blocked on it.
    private func answer(frame: ByteBuffer) -> Bool {
        var body = frame
        guard let header = try? RequestHeader(from: &body) else { return false }
        let reply = self.broker.handle(header: header, body: body, connection: self.connection, eventLoop: self.loop)
        var outcome: Result<BrokerReply, any Error>?
        reply.assumeIsolated().whenComplete { outcome = $0 }
        // Parked fetches and joins wait for timers; a real connection would wait as long, then go on.
        for step in [Int64(0), 200, 1_000, 30_000] where outcome == nil {
            self.loop.advanceTime(by: .milliseconds(step))
        }
        switch outcome {
        case .none, .some(.failure):
            return false
        case .some(.success(.close)):
            return false
        case .some(.success(.noResponse)):
            return true
        case .some(.success(.response(let response))):
            Self.checkResponse(response, header: header)
            return true
        case .some(.success(.fileBacked)):
            // The session's broker keeps its logs in memory and its connection takes no file regions.
            fatalError("an in-memory broker answered with file regions")
        }
    }

    func close() {
        self.broker.shutdown()
        try? self.loop.syncShutdownGracefully()
        SessionGraveyard.keep(self)
    }

    static func checkResponse(_ response: ByteBuffer, header: RequestHeader) {
        guard let api = ApiKey(rawValue: header.apiKey) else {
            Invariant.fail("broker answered unknown API \(header.apiKey)")
        }
        // An unsupported ApiVersions version is answered at v0, as Kafka does.
        let supported = SupportedApis.supports(apiKey: header.apiKey, version: header.apiVersion)
        let version = api == .apiVersions && !supported ? 0 : header.apiVersion
        Invariant.require(api.responseType.validVersions.contains(version), "\(api.name) v\(version) answered")
        var buffer = response
        do {
            _ = try api.responseType.init(from: &buffer, version: version)
        } catch {
            Invariant.fail("\(api.name) v\(version) response does not decode: \(error)")
        }
        Invariant.require(buffer.readableBytes == 0,
                          "\(api.name) v\(version) response has \(buffer.readableBytes) extra bytes")
    }
}
#endif
