import ArgumentParser
import Foundation
import KappaClient
import KappaTUI
import Logging

/// `kappa` (and `kappa dashboard`): the built-in broker plus the three-pane dashboard in one process.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Start the built-in broker and the dashboard (Kafka-Term, Producer-Term, Consumer-Term).")

    @OptionGroup var options: BrokerOptions

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .long, help: "Theme name (a file in the themes directory) or path to a .toml theme.")
    var theme: String?

    @Option(name: .long, help: "Directory holding the theme files (default: Themes/ of the installation or the working directory).")
    var themesDir: String?

    @Option(name: .long, help: "Topic the Producer-Term, Consumer-Term and Offsets panes start on.")
    var topic: String = "sample"

    @Option(name: .long, help: "Consumer group of the Consumer-Term.")
    var group: String = "kappa-console"

    @Option(name: .long, help: "Also append every log line to this file.")
    var logFile: String?

    func run() async throws {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            FileHandle.standardError.write(Data("kappa: the dashboard needs a terminal; use `kappa broker` to run headless\n".utf8))
            throw ExitCode(2)
        }
        let events = EventQueue()
        let file = try self.logFile.map { try LogFile(path: $0) }
        // From here on nothing may write to stdout/stderr: curses owns the screen.
        let deduplicator = LogDeduplicator()
        LoggingSystem.bootstrap { label in PaneLogHandler(label: label, queue: events, file: file, deduplicator: deduplicator) }
        let builtinAddress = self.options.advertise ?? self.options.listen
        let target: ResolvedCluster
        do {
            target = try self.cluster.resolve(builtinAddress: builtinAddress)
        } catch {
            FileHandle.standardError.write(Data("kappa: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var embedded: EmbeddedBroker?
        let bootstrap: String
        let label: String
        var clientLogger = Logger(label: "kappa.client")
        if target.isBuiltin {
            let brokerLogger = Logger(label: "kappa.broker")
            do {
                embedded = try await EmbeddedBroker.start(self.options, logger: brokerLogger)
            } catch {
                FileHandle.standardError.write(Data("kappa: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let config = embedded?.config
            let port = embedded?.server.localAddress.port ?? Int(config?.advertisedPort ?? 9092)
            bootstrap = "\(config?.advertisedHost ?? "127.0.0.1"):\(port)"
            let storage = config?.dataDirectory.map { "data \($0)" } ?? "in memory"
            label = "broker \(bootstrap) · \(storage)"
            // The broker's own log says what clients do; the dashboard's client only speaks up on trouble.
            clientLogger.logLevel = .warning
        } else {
            bootstrap = target.bootstrapServers
            label = target.name == target.bootstrapServers ? "cluster \(bootstrap)" : "context \(target.name) · \(bootstrap)"
            // No broker log here: Kafka-Term shows the client's own log instead.
            clientLogger.logLevel = .info
            var settings = "connecting to \(bootstrap)"
            if !target.properties.isEmpty { settings += " with " + target.displayProperties.joined(separator: ", ") }
            clientLogger.info("\(settings)")
        }
        // KAPPA_LOG=debug (as for the headless commands) shows librdkafka's debug lines too, e.g. with -X debug=cgrp.
        if let level = ProcessInfo.processInfo.environment["KAPPA_LOG"].flatMap({ Logger.Level(rawValue: $0.lowercased()) }) {
            clientLogger.logLevel = level
        }
        var clientConfig = ClientConfig(bootstrapServers: bootstrap)
        clientConfig.properties = target.properties
        let controller: DashboardController
        do {
            controller = try DashboardController(config: clientConfig, events: events, logger: clientLogger)
        } catch {
            await embedded?.stop()
            FileHandle.standardError.write(Data("kappa: cannot start the dashboard's client: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // Consumer-Term starts at the -X isolation.level when one is given, else at librdkafka's read_committed.
        let isolation = target.properties["isolation.level"].flatMap { IsolationLevel(rawValue: $0) } ?? .readCommitted
        var state = DashboardState(
            clusterLabel: label, topic: self.topic, consumerGroup: self.group, isolation: isolation)
        state.utcOffsetSeconds = TimeZone.current.secondsFromGMT()
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let loop = DashboardLoop(controller: controller, state: state, themeName: self.theme,
                                 themesDirectory: self.themesDir ?? Self.defaultThemesDirectory(), noColor: noColor)
        let signals = Task {
            await SignalWaiter.waitForTermination()
            loop.requestStop()
        }
        var failure: (any Error)?
        do {
            try await loop.run()
        } catch {
            failure = error
        }
        signals.cancel()
        controller.shutdown()
        await embedded?.stop()
        if let failure {
            FileHandle.standardError.write(Data("kappa: \(failure)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Themes/ beside the working directory, or of the source tree the binary was built in
    /// (.build/<config>/kappa → ../../Themes), or an installed share directory.
    static func defaultThemesDirectory() -> String {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["KAPPA_THEMES"] { return env }
        var candidates = [fm.currentDirectoryPath + "/Themes"]
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let buildDir = executable.deletingLastPathComponent()
        candidates.append(buildDir.appendingPathComponent("../../Themes").standardized.path)
        candidates.append(buildDir.appendingPathComponent("../../../Themes").standardized.path)
        candidates.append(buildDir.appendingPathComponent("../share/kappa/Themes").standardized.path)
        return candidates.first { fm.fileExists(atPath: $0) } ?? candidates[0]
    }
}
