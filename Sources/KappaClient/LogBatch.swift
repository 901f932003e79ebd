/// What Browse needs of one stored record batch to tell transactions apart: its offsets, producer,
/// whether it is transactional, and for a control batch its marker. Read from the batch header (and the
/// control record), so compressed batches need no decompression.
public struct LogBatch: Equatable, Sendable {
    public enum Marker: Equatable, Sendable { case commit, abort }

    public var baseOffset: Int64
    public var lastOffset: Int64
    public var producerId: Int64
    public var isTransactional: Bool
    /// Set for a control batch (a transaction's COMMIT or ABORT marker).
    public var marker: Marker?
    public var maxTimestamp: Int64

    public init(
        baseOffset: Int64, lastOffset: Int64, producerId: Int64, isTransactional: Bool, marker: Marker?,
        maxTimestamp: Int64
    ) {
        self.baseOffset = baseOffset
        self.lastOffset = lastOffset
        self.producerId = producerId
        self.isTransactional = isTransactional
        self.marker = marker
        self.maxTimestamp = maxTimestamp
    }
}
