#if KAPPA_FUZZ_BROKER
import KappaBroker
import KappaWire
import Logging
import NIOCore
import NIOEmbedded

/// One connection to a fresh in-memory broker, answered the way `KafkaConnectionHandler` answers:
/// in order, stopping where the server would close the connection. Every response the broker
/// writes must decode with the response schema of the request's API and version.
final class BrokerSession {
    private let loop = EmbeddedEventLoop()
    private let broker: Broker
    private let connection = ClientConnection(host: "127.0.0.1", port: 40_000)

    init() {
        var config = BrokerConfig()
        config.groups.initialRebalanceDelayMs = 0
        do {
            self.broker = try Broker(config: config, logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
        } catch {
            Invariant.fail("cannot start an in-memory broker: \(error)")
        }
        self.broker.startMaintenance(on: self.loop)
    }

    /// Answers one frame; false when the connection would be closed or stays blocked on it.
    func handle(frame: ByteBuffer) -> Bool {
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
