import ArgumentParser
import KappaTUI

/// `kappa topics create NAME`.
struct TopicsCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a topic.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "Name of the new topic.")
    var name: String

    @Option(name: [.customShort("p"), .long], help: "Number of partitions (default: the cluster's default).")
    var partitions: Int32 = -1

    @Option(name: [.customShort("r"), .long], help: "Replication factor (default: the cluster's default).")
    var replicationFactor: Int16 = -1

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A topic config, key=value (repeatable), e.g. --config retention.ms=60000.", valueName: "key=value"))
    var configs: [String] = []

    func validate() throws {
        guard self.partitions == -1 || self.partitions > 0 else {
            throw ValidationError("--partitions must be at least 1")
        }
        guard self.replicationFactor == -1 || self.replicationFactor > 0 else {
            throw ValidationError("--replication-factor must be at least 1")
        }
        _ = try KeyValue.parse(self.configs, option: "--config")
    }

    func run() throws {
        let connection = try self.connection.connect()
        let configs = try KeyValue.parse(self.configs, option: "--config")
        let command = AdminCommand.createTopic(
            name: self.name, partitions: self.partitions, replicationFactor: self.replicationFactor,
            configs: Dictionary(configs, uniquingKeysWith: { $1 }))
        try StandardOutput.print(try connection.withAdmin { try AdminRunner(admin: $0).execute(command) })
    }
}
