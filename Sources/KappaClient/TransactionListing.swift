/// One row of ListTransactions: a transactional id and where it stands at its coordinator.
public struct TransactionListing: Equatable, Sendable {
    public var transactionalId: String
    /// The broker that answered (the coordinator).
    public var coordinator: Int32
    public var producerId: Int64
    /// Kafka's state names: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead, PrepareEpochFence.
    public var state: String
}
