import ArgumentParser
import KappaTUI

/// `kappa topics alter NAME --partitions N`.
struct TopicsAlterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter", abstract: "Grow a topic to more partitions (Kafka cannot shrink them).")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to alter.")
    var name: String

    @Option(name: [.customShort("p"), .long], help: "The new total number of partitions.")
    var partitions: Int32

    func validate() throws {
        guard self.partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        let connection = try self.connection.connect()
        let command = AdminCommand.alterPartitions(topic: self.name, count: self.partitions)
        try StandardOutput.print(try connection.withAdmin { try AdminRunner(admin: $0).execute(command) })
    }
}
