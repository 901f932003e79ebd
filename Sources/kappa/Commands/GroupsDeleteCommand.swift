import ArgumentParser
import KappaTUI

/// `kappa groups delete GROUP`.
struct GroupsDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a consumer group without members, with its committed offsets.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The consumer group.")
    var group: String

    func run() throws {
        let connection = try self.connection.connect()
        try StandardOutput.print(
            try connection.withAdmin { try AdminRunner(admin: $0).execute(.deleteGroup(self.group)) })
    }
}
