import ArgumentParser

/// `kappa users add|list|remove`: the SASL users file of `kappa broker --sasl-users`, edited without a
/// password ever being written down (the file holds salted SCRAM-SHA-256 keys only).
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the SASL users file of 'kappa broker --sasl-users' (salted credentials, never passwords).",
        discussion: "The broker reads the file when it starts; restart it to apply changes.",
        subcommands: [UsersAddCommand.self, UsersListCommand.self, UsersRemoveCommand.self])
}
