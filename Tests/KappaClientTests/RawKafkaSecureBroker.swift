import Foundation
import KappaBroker
import KappaServer
import Logging
import NIOPosix

/// An in-process Kappa broker with SASL users and/or TLS, for the raw client's authentication tests, plus
/// throwaway self-signed certificates made with the openssl command line (as the end-to-end tests do).
struct RawKafkaSecureBroker {
    static let users = ["alice": "alice-Secret-1", "bob": "b0b,with=odd chars"]

    let broker: Broker
    let server: KafkaServer
    let port: Int

    var bootstrap: String { "127.0.0.1:\(self.port)" }

    static func start(sasl: Bool, certificate: TestCertificate?) async throws -> RawKafkaSecureBroker {
        let port = try await TestBroker.freePort()
        var config = BrokerConfig()
        config.dataDirectory = nil
        config.advertisedPort = Int32(port)
        let logger = Logger(label: "kappa.test.secure") { _ in SwiftLogNoOpLogHandler() }
        let broker = try Broker(config: config, logger: logger)
        let authenticator = sasl
            ? SaslAuthenticator(users: UsersFile(users: Self.users.mapValues { ScramCredential(password: $0) }))
            : nil
        let tls = try certificate.map { try ServerTLS(certificateChainPath: $0.certificate, privateKeyPath: $0.key) }
        let server = try await KafkaServer.start(
            configuration: .init(host: "127.0.0.1", port: port, sasl: authenticator, tls: tls), broker: broker,
            logger: logger)
        return RawKafkaSecureBroker(broker: broker, server: server, port: port)
    }

    func stop() async {
        await self.server.stop()
        self.broker.shutdown()
    }

    /// Starts a broker, runs `body` against it, and stops the broker whatever happens.
    static func with<T>(
        sasl: Bool, certificate: TestCertificate? = nil, _ body: (RawKafkaSecureBroker) async throws -> T
    ) async throws -> T {
        let broker = try await Self.start(sasl: sasl, certificate: certificate)
        do {
            let result = try await body(broker)
            await broker.stop()
            return result
        } catch {
            await broker.stop()
            throw error
        }
    }
}
