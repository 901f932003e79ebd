import KappaWire

/// What an append did: the offsets assigned, for the Produce response and producer state.
public struct LogAppendInfo: Sendable, Equatable {
    /// Offset of the first record appended (the Produce response's `base_offset`).
    public let firstOffset: Int64
    /// Offset of the last record appended; `firstOffset - 1` if nothing was appended.
    public let lastOffset: Int64
    /// Largest `maxTimestamp` of the appended batches; -1 if none.
    public let maxTimestamp: Int64
    /// The appended batches' headers with their assigned `baseOffset` and leader epoch.
    public let batches: [RecordBatchHeader]

    public init(firstOffset: Int64, lastOffset: Int64, maxTimestamp: Int64, batches: [RecordBatchHeader]) {
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.maxTimestamp = maxTimestamp
        self.batches = batches
    }
}
