import ArgumentParser

/// `kappa groups list|describe|reset-offsets|delete`, as kafka-consumer-groups.sh does them.
struct GroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "List, describe and delete consumer groups, and move their committed offsets.",
        subcommands: [
            GroupsListCommand.self, GroupsDescribeCommand.self, GroupsResetOffsetsCommand.self,
            GroupsDeleteCommand.self,
        ])
}
