import ArgumentParser
import KappaTUI

/// `kappa topics alter NAME [--partitions N] [--config k=v]... [--delete-config k]...`.
struct TopicsAlterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter",
        abstract: "Grow a topic to more partitions (Kafka cannot shrink them), or change its configs.",
        discussion: "--config sets a topic override and --delete-config removes one (the topic then follows the "
            + "broker's default again); the other overrides stay. The broker refuses an unknown config or a "
            + "value it does not enforce with INVALID_CONFIG, naming it.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to alter.")
    var name: String

    @Option(name: [.customShort("p"), .long], help: "The new total number of partitions.")
    var partitions: Int32?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp("Set a topic config, key=value (repeatable), e.g. --config retention.ms=60000.",
                           valueName: "key=value"))
    var configs: [String] = []

    @Option(name: .customLong("delete-config"), help: ArgumentHelp("Remove a topic override (repeatable).", valueName: "key"))
    var deleteConfigs: [String] = []

    func validate() throws {
        if let partitions, partitions <= 0 { throw ValidationError("--partitions must be at least 1") }
        guard self.partitions != nil || !self.configs.isEmpty || !self.deleteConfigs.isEmpty else {
            throw ValidationError("give --partitions N, --config key=value or --delete-config key")
        }
        let set = try KeyValue.parse(self.configs, option: "--config").map(\.0)
        if let both = self.deleteConfigs.first(where: set.contains) {
            throw ValidationError("'\(both)' is given to both --config and --delete-config")
        }
    }

    func run() throws {
        let connection = try self.connection.connect()
        var commands: [AdminCommand] = []
        if let partitions { commands.append(.alterPartitions(topic: self.name, count: partitions)) }
        if !self.configs.isEmpty || !self.deleteConfigs.isEmpty {
            let set = Dictionary(try KeyValue.parse(self.configs, option: "--config"), uniquingKeysWith: { $1 })
            commands.append(.alterConfigs(.topic(self.name), set: set, delete: self.deleteConfigs))
        }
        for command in commands {
            try StandardOutput.print(try connection.withAdmin { try AdminRunner(admin: $0).execute(command) })
        }
    }
}
