import ArgumentParser

/// `kappa topics list`: one topic name per line (internal topics left out), nothing for none.
struct TopicsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Print the name of every topic, one per line.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let connection = try self.connection.connect()
        let names = try connection.withAdmin { try $0.listTopics(timeoutMs: connection.timeoutMs).map(\.name) }
        try StandardOutput.print(names)
    }
}
