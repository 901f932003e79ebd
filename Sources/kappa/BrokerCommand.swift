import ArgumentParser
import Logging

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
        var logger = Logger(label: "kappa.broker") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        let embedded: EmbeddedBroker
        do {
            embedded = try await EmbeddedBroker.start(self.options, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
        await SignalWaiter.waitForTermination()
        logger.info("shutting down")
        await embedded.stop()
    }
}
