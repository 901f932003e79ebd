import ArgumentParser

/// `kappa topics list|create|describe|delete|alter`, as kafka-topics.sh does them.
struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List, create, describe, delete and grow topics.",
        subcommands: [
            TopicsListCommand.self, TopicsCreateCommand.self, TopicsDescribeCommand.self, TopicsDeleteCommand.self,
            TopicsAlterCommand.self,
        ])
}
