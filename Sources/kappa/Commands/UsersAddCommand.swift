import ArgumentParser
import KappaBroker

/// `kappa users add NAME --users-file FILE`: reads the password from stdin and stores only its SCRAM
/// credential (fresh random salt), so neither the file nor the command line ever holds the password.
struct UsersAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a user, or set a new password for one.",
        discussion: """
            The password is read from standard input: prompted for twice, without echo, on a terminal; \
            otherwise the first line (e.g. printf '%s\\n' "$PASSWORD" | kappa users add alice --users-file users.toml).
            """)

    @Argument(help: "The user name clients log in with (sasl.username).")
    var name: String

    @Option(name: .long, help: ArgumentHelp("The users file; created if missing.", valueName: "file"))
    var usersFile: String

    @Option(name: .long, help: "PBKDF2 iterations of the SCRAM-SHA-256 credential (at least 4096).")
    var iterations: Int = ScramSha256.minIterations

    func validate() throws {
        if let problem = UsersFile.validationError(username: self.name) { throw ValidationError(problem) }
        guard self.iterations >= ScramSha256.minIterations else {
            throw ValidationError("--iterations must be at least \(ScramSha256.minIterations)")
        }
    }

    func run() throws {
        var file = try UsersFile.load(path: self.usersFile, missingIsEmpty: true)
        let password = try UsersPasswordReader.read(for: self.name)
        let existed = file.users[self.name] != nil
        file.users[self.name] = ScramCredential(password: password, iterations: self.iterations)
        try file.write(to: self.usersFile)
        print(
            existed
                ? "Changed the password of '\(self.name)' in \(self.usersFile)"
                : "Added '\(self.name)' to \(self.usersFile)")
    }
}
