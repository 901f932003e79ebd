/// A stretch of a partition's log as a raw Fetch at read_uncommitted returns it: the batches (headers only)
/// plus the high watermark and the last stable offset, enough to say of each record whether its
/// transaction committed, aborted or is still open.
public struct PartitionLogView: Equatable, Sendable {
    public enum Status: Equatable, Sendable {
        /// Not transactional, or in a committed transaction.
        case plain
        /// In a transaction its producer aborted: read_committed consumers never see it.
        case aborted
        /// In a transaction still open (at or after the LSO): read_committed consumers wait for it.
        case open
        /// A control record: the COMMIT or ABORT marker itself.
        case marker(LogBatch.Marker)
    }

    public var highWatermark: Int64
    public var lastStableOffset: Int64
    /// In offset order.
    public var batches: [LogBatch]

    public init(highWatermark: Int64, lastStableOffset: Int64, batches: [LogBatch]) {
        self.highWatermark = highWatermark
        self.lastStableOffset = lastStableOffset
        self.batches = batches
    }

    /// The record at `offset`: a record in a transactional batch of producer P is aborted when the first
    /// control batch of P after it is an ABORT, open when it is at or after the LSO with no marker yet;
    /// `nil` when the view does not reach far enough to tell.
    public func status(of offset: Int64) -> Status? {
        guard let index = self.batches.firstIndex(where: { $0.baseOffset <= offset && offset <= $0.lastOffset }) else {
            return nil
        }
        let batch = self.batches[index]
        if let marker = batch.marker { return .marker(marker) }
        guard batch.isTransactional else { return .plain }
        let end = self.batches[(index + 1)...].first { $0.producerId == batch.producerId && $0.marker != nil }
        switch end?.marker {
        case .abort?: return .aborted
        case .commit?: return .plain
        case nil: return offset >= self.lastStableOffset ? .open : nil
        }
    }

    /// Whether every transactional batch from `offset` on has its marker in the view or is open: then
    /// reading further cannot change any status.
    public func isResolved(from offset: Int64) -> Bool {
        for (i, batch) in self.batches.enumerated() where batch.lastOffset >= offset && batch.isTransactional && batch.marker == nil {
            let ended = self.batches[(i + 1)...].contains { $0.producerId == batch.producerId && $0.marker != nil }
            if !ended && batch.baseOffset < self.lastStableOffset { return false }
        }
        return true
    }
}
