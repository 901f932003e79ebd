import ArgumentParser

/// `kappa groups list`: one group id per line, nothing for none.
struct GroupsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Print the id of every consumer group, one per line.")

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "Also print each group's state (Stable, Empty, ...), tab-separated.")
    var state = false

    func run() throws {
        let connection = try self.connection.connect()
        let groups = try connection.withAdmin { try $0.listGroups() }
        try StandardOutput.print(groups.map { self.state ? "\($0.groupId)\t\($0.state)" : $0.groupId })
    }
}
