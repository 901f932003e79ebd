import ArgumentParser
import KappaBroker

/// `kappa users list --users-file FILE`: the user names, one a line (no secrets to show: there are none).
struct UsersListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the users of a users file.")

    @Option(name: .long, help: ArgumentHelp("The users file.", valueName: "file"))
    var usersFile: String

    func run() throws {
        let file = try UsersFile.load(path: self.usersFile)
        for name in file.users.keys.sorted() {
            print(name)
        }
    }
}
