import NIOCore

/// Collects records with absolute timestamps and builds one uncompressed v2 batch, the way a
/// producer would (baseOffset 0, partitionLeaderEpoch -1, deltas from the first record).
///
/// Used by unit tests, benchmarks and broker tests that need realistic Produce payloads.
public struct RecordBatchBuilder: Sendable {
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var isTransactional: Bool
    public var baseOffset: Int64
    public var partitionLeaderEpoch: Int32
    /// Records added so far, with deltas relative to the first record.
    public private(set) var records: [Record] = []
    /// Timestamp of the first record (the batch's `baseTimestamp`); -1 while empty.
    public private(set) var baseTimestamp: Int64 = -1

    public init(
        producerId: Int64 = -1,
        producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1,
        isTransactional: Bool = false,
        baseOffset: Int64 = 0,
        partitionLeaderEpoch: Int32 = -1
    ) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.baseOffset = baseOffset
        self.partitionLeaderEpoch = partitionLeaderEpoch
    }

    /// Number of records added.
    public var count: Int { self.records.count }

    /// Adds a record; offsets are assigned consecutively from 0.
    public mutating func append(
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [RecordHeader] = [],
        timestamp: Int64
    ) {
        if self.records.isEmpty { self.baseTimestamp = timestamp }
        self.records.append(
            Record(
                timestampDelta: timestamp &- self.baseTimestamp,
                offsetDelta: Int32(truncatingIfNeeded: self.records.count),
                key: key,
                value: value,
                headers: headers
            )
        )
    }

    /// Appends the finished batch to `buffer` and returns its header.
    @discardableResult
    public func build(into buffer: inout ByteBuffer) -> RecordBatchHeader {
        RecordBatch.encode(
            records: self.records,
            baseTimestamp: self.baseTimestamp,
            baseOffset: self.baseOffset,
            partitionLeaderEpoch: self.partitionLeaderEpoch,
            attributes: self.isTransactional ? 0x10 : 0,
            producerId: self.producerId,
            producerEpoch: self.producerEpoch,
            baseSequence: self.baseSequence,
            into: &buffer
        )
    }

    /// The finished batch as a new buffer.
    public func build() -> ByteBuffer {
        var buffer = ByteBuffer()
        self.build(into: &buffer)
        return buffer
    }
}
