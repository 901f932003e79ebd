/// An administrative command typed at the Kafka-Term prompt, already parsed by `CommandParser`.
///
/// The controller runs it against the cluster and answers with `DashboardEvent.adminResult`.
public enum AdminCommand: Equatable, Sendable {
    case createTopic(name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String])
    case listTopics
    /// `nil` describes every topic, as `kafka-topics.sh --describe` without `--topic` does.
    case describeTopic(String?)
    case deleteTopic(String)
    case alterPartitions(topic: String, count: Int32)
    case listGroups
    case describeGroup(String)
    case deleteGroup(String)
    /// Without `execute` this is a dry run that only reports the new offsets, as Kafka's tool does.
    case resetOffsets(group: String, topic: String, to: OffsetSpec, execute: Bool)
    /// Answered locally by the dashboard (the command list); the controller never receives it.
    case help
}
