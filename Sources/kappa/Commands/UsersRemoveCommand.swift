import ArgumentParser
import KappaBroker

/// `kappa users remove NAME --users-file FILE`.
struct UsersRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a user from a users file.")

    @Argument(help: "The user to remove.")
    var name: String

    @Option(name: .long, help: ArgumentHelp("The users file.", valueName: "file"))
    var usersFile: String

    func run() throws {
        var file = try UsersFile.load(path: self.usersFile)
        guard file.users.removeValue(forKey: self.name) != nil else {
            throw ValidationError("no user '\(self.name)' in \(self.usersFile)")
        }
        try file.write(to: self.usersFile)
        print("Removed '\(self.name)' from \(self.usersFile)")
    }
}
