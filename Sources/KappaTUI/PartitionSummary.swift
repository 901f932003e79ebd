/// A partition's log start and end offsets (end = the offset the next record will get).
public struct PartitionSummary: Equatable, Sendable {
    public var partition: Int32
    public var startOffset: Int64
    public var endOffset: Int64
    /// The last stable offset (read_committed consumers stop here): below `endOffset` while a transaction
    /// is open on the partition. `nil` when unknown.
    public var lastStableOffset: Int64?
    /// Producers with a transaction open on the partition (DescribeProducers).
    public var openTransactions: Int

    public init(
        partition: Int32, startOffset: Int64, endOffset: Int64, lastStableOffset: Int64? = nil, openTransactions: Int = 0
    ) {
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.lastStableOffset = lastStableOffset
        self.openTransactions = openTransactions
    }

    /// The LSO when it differs from the end (a transaction holds read_committed readers back), else `nil`.
    public var heldBackLSO: Int64? {
        guard let lso = self.lastStableOffset, lso != self.endOffset else { return nil }
        return lso
    }

    /// Records currently held: what a reader from the start would see.
    public var messageCount: Int64 { max(0, self.endOffset - self.startOffset) }
}
