import ArgumentParser
import Dispatch
import Foundation
import KappaBroker
import KappaLog
import KappaServer
import Logging
import NIOCore
import NIOPosix

/// `kappa broker`: the built-in broker without the dashboard, logging to stderr.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the Kafka-compatible broker headless, logging to stderr.")

    @OptionGroup var options: BrokerOptions

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        var logger = Logger(label: "kappa.broker") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level

        guard let address = self.options.listenAddress, let advertised = self.options.advertisedAddress,
            let flush = FlushPolicy(argument: self.options.flush)
        else {
            throw ValidationError("invalid options")
        }
        var config = BrokerConfig()
        config.advertisedHost = advertised.host
        config.advertisedPort = Int32(advertised.port)
        config.dataDirectory = self.options.memory ? nil : self.options.dataDir
        config.defaultPartitions = self.options.defaultPartitions
        config.log.flush = flush
        config.log.segmentBytes = self.options.segmentBytes
        config.groups.initialRebalanceDelayMs = self.options.groupInitialRebalanceDelayMs
        config.log.retentionMs = self.options.retentionHours < 0 ? nil : self.options.retentionHours * 3_600_000

        let broker: Broker
        do {
            broker = try Broker(config: config, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let server: KafkaServer
        do {
            server = try await KafkaServer.start(
                configuration: .init(host: address.host, port: address.port), broker: broker, group: group, logger: logger)
        } catch {
            broker.shutdown()
            logger.critical("cannot listen on \(self.options.listen): \(error)")
            throw ExitCode(2)
        }
        // Port 0 binds an ephemeral port: advertise the one we got.
        if address.port == 0, let port = server.localAddress.port {
            logger.warning("listening on ephemeral port \(port), but Metadata advertises port 0; pass an explicit port")
        }
        broker.startMaintenance(on: group.next())
        let storage = config.dataDirectory.map { "data in \($0), flush \(self.options.flush)" } ?? "in memory"
        logger.info("Kappa broker listening on \(address.host):\(server.localAddress.port ?? address.port) (\(storage))")

        await SignalWaiter.waitForTermination()
        logger.info("shutting down")
        await server.stop()
        broker.shutdown()
    }
}
