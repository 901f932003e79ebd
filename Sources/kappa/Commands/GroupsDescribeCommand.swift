import ArgumentParser
import KappaTUI

/// `kappa groups describe GROUP`: kafka-consumer-groups.sh --describe's table (offsets, lag, members).
struct GroupsDescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a group's committed offsets, lag and members per partition.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The consumer group.")
    var group: String

    func run() throws {
        let connection = try self.connection.connect()
        try StandardOutput.print(
            try connection.withAdmin { try AdminRunner(admin: $0).execute(.describeGroup(self.group)) })
    }
}
