import ArgumentParser
import KappaTUI

/// `kappa topics describe [NAME]`, in kafka-topics.sh --describe's words.
struct TopicsDescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a topic's partitions, leaders, replicas and non-default configs.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to describe (default: every topic).")
    var name: String?

    func run() throws {
        let connection = try self.connection.connect()
        try StandardOutput.print(
            try connection.withAdmin { try AdminRunner(admin: $0).execute(.describeTopic(self.name)) })
    }
}
