import KappaBroker
import KappaServer
import Logging
import NIOCore
import NIOPosix

/// A real in-memory Kappa broker on a free localhost port, started in-process for one test.
struct TestBroker {
    let broker: Broker
    let server: KafkaServer
    let port: Int

    var bootstrap: String { "127.0.0.1:\(self.port)" }

    static func start() async throws -> TestBroker {
        let port = try await Self.freePort()
        var config = BrokerConfig()
        config.dataDirectory = nil
        config.advertisedPort = Int32(port)
        config.groups.initialRebalanceDelayMs = 100
        let logger = Logger(label: "kappa.test.broker") { _ in SwiftLogNoOpLogHandler() }
        let broker = try Broker(config: config, logger: logger)
        let server = try await KafkaServer.start(
            configuration: .init(host: "127.0.0.1", port: port), broker: broker, logger: logger)
        broker.startMaintenance(on: MultiThreadedEventLoopGroup.singleton.next())
        return TestBroker(broker: broker, server: server, port: port)
    }

    func stop() async {
        await self.server.stop()
        self.broker.shutdown()
    }

    /// Binds port 0 and gives it back: the kernel picked a port nobody uses.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        try await channel.close()
        guard let port else { throw TestFailure("no local port") }
        return port
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Starts a broker, runs `body` against it, and stops the broker whatever happens.
func withBroker<T>(_ body: (TestBroker) async throws -> T) async throws -> T {
    let broker = try await TestBroker.start()
    do {
        let result = try await body(broker)
        await broker.stop()
        return result
    } catch {
        await broker.stop()
        throw error
    }
}
