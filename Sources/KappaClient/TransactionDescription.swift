/// A transactional id's state as DescribeTransactions gives it, with the coordinator that was asked.
public struct TransactionDescription: Equatable, Sendable {
    public var coordinator: Int32
    public var transactionalId: String
    public var producerId: Int64
    public var producerEpoch: Int16
    public var state: String
    public var timeoutMs: Int32
    /// -1 when no transaction is open.
    public var startTimeMs: Int64
    /// The partitions in the open transaction.
    public var partitions: [TopicPartition]
}
