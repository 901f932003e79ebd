import ArgumentParser
import KappaTUI

/// `kappa topics delete NAME`.
struct TopicsDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a topic and its records.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to delete.")
    var name: String

    func run() throws {
        let connection = try self.connection.connect()
        try StandardOutput.print(
            try connection.withAdmin { try AdminRunner(admin: $0).execute(.deleteTopic(self.name)) })
    }
}
