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
    /// `kafka-configs.sh --describe --entity-type topics|brokers --entity-name N`: what is set on
    /// the entity itself, or with `all` (`--all`) every config with its source.
    case describeConfigs(ConfigEntity, all: Bool)
    /// `kafka-configs.sh --alter ... --add-config k=v[,k=v] --delete-config k[,k]` and
    /// `kappa topics alter T --config k=v --delete-config k`: the other settings stay.
    case alterConfigs(ConfigEntity, set: [String: String], delete: [String])
    case listGroups
    case describeGroup(String)
    case deleteGroup(String)
    /// Without `execute` this is a dry run that only reports the new offsets, as Kafka's tool does.
    case resetOffsets(group: String, topic: String, to: OffsetSpec, execute: Bool)
    /// `kafka-transactions.sh list`: every transactional id the cluster knows.
    case listTransactions
    /// `kafka-transactions.sh describe --transactional-id ID`.
    case describeTransaction(String)
    /// `kafka-transactions.sh describe-producers --topic T --partition P`.
    case describeProducers(topic: String, partition: Int32)
    /// `kafka-transactions.sh abort --topic T --partition P --start-offset N`: the producer whose open
    /// transaction starts at N is found with DescribeProducers, then its transaction is aborted.
    case abortTransaction(topic: String, partition: Int32, startOffset: Int64)
    /// `kafka-transactions.sh abort --topic T --partition P --producer-id ID --producer-epoch E
    /// --coordinator-epoch C`: an ABORT marker for exactly that producer.
    case abortProducerTransaction(
        topic: String, partition: Int32, producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32)
    /// Answered locally by the dashboard (the command list); the controller never receives it.
    case help
}
