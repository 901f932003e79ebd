import NIOCore

/// A decoded uncompressed v2 batch: its header and its records.
///
/// The log stores batches as opaque bytes; this type is for code that must look inside one
/// (tests, tools, the max-timestamp lookup) and for building batches (`encode`).
public struct RecordBatch: Sendable, Equatable {
    public let header: RecordBatchHeader
    public let records: [Record]

    public init(header: RecordBatchHeader, records: [Record]) {
        self.header = header
        self.records = records
    }

    /// Decodes the batch at the absolute index `index` of `buffer` (reader index unchanged).
    ///
    /// - Throws: `WireError` if the header is invalid, the batch is truncated, the CRC does not
    ///   match (when `verifyCRC`), the batch is compressed (records of a compressed batch are
    ///   not decoded here), or the records do not fill the batch exactly `recordCount` times.
    public init(parsing buffer: ByteBuffer, at index: Int, verifyCRC: Bool = true) throws {
        let header = try RecordBatchHeader(parsing: buffer, at: index)
        guard let batchBytes = buffer.getSlice(at: index, length: header.totalSize) else {
            throw WireError.truncated(
                "record batch at \(index): \(max(0, buffer.writerIndex - index)) of \(header.totalSize) bytes"
            )
        }
        if verifyCRC, !header.crcMatches(in: batchBytes, at: 0) {
            throw WireError.invalid("record batch at \(index): CRC mismatch")
        }
        guard header.compression == .none else {
            throw WireError.invalid("record batch at \(index): \(header.compression)-compressed records not decoded")
        }
        var body = batchBytes.getSlice(at: RecordBatchHeader.size, length: header.totalSize - RecordBatchHeader.size)
            ?? ByteBuffer()
        var records: [Record] = []
        // Each record takes at least 7 bytes, which bounds the reservation by real input.
        records.reserveCapacity(min(Int(header.recordCount), body.readableBytes / 7))
        for _ in 0..<header.recordCount {
            records.append(try Record(decoding: &body))
        }
        guard body.readableBytes == 0 else {
            throw WireError.invalid(
                "record batch at \(index): \(body.readableBytes) bytes after \(header.recordCount) records"
            )
        }
        self.init(header: header, records: records)
    }

    /// Decodes every batch in the readable bytes of `buffer` (e.g. a Fetch response's records).
    public static func decodeAll(_ buffer: ByteBuffer, verifyCRC: Bool = true) throws -> [RecordBatch] {
        try RecordBatchScanner.scan(buffer, verifyCRC: verifyCRC).map {
            try RecordBatch(parsing: buffer, at: $0.position, verifyCRC: false)
        }
    }

    /// The absolute offset of `record`, one of this batch's records.
    public func offset(of record: Record) -> Int64 {
        self.header.baseOffset &+ Int64(record.offsetDelta)
    }

    /// The timestamp of `record`: the batch's max timestamp under LogAppendTime, otherwise
    /// `baseTimestamp + timestampDelta`.
    public func timestamp(of record: Record) -> Int64 {
        if self.header.timestampType == .logAppendTime { return self.header.maxTimestamp }
        return self.header.baseTimestamp &+ record.timestampDelta
    }

    /// Appends a complete uncompressed v2 batch of `records` to `buffer`, with a correct
    /// `batchLength` and CRC, and returns its header.
    ///
    /// - Parameters:
    ///   - records: records with their deltas already set; `lastOffsetDelta` is the largest
    ///     `offsetDelta` (0 for an empty batch).
    ///   - baseTimestamp: the batch's first timestamp; `maxTimestamp` defaults to the largest
    ///     record timestamp (or `baseTimestamp` when there are no records).
    ///   - attributes: bits 3-6 only (timestamp type, transactional, control); the codec bits are
    ///     cleared because the records are written uncompressed.
    @discardableResult
    public static func encode(
        records: [Record],
        baseTimestamp: Int64,
        maxTimestamp: Int64? = nil,
        baseOffset: Int64 = 0,
        partitionLeaderEpoch: Int32 = -1,
        attributes: Int16 = 0,
        producerId: Int64 = -1,
        producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1,
        into buffer: inout ByteBuffer
    ) -> RecordBatchHeader {
        let start = buffer.writerIndex
        let lastOffsetDelta = records.map(\.offsetDelta).max() ?? 0
        let maxTimestamp = maxTimestamp ?? records.map { baseTimestamp &+ $0.timestampDelta }.max() ?? baseTimestamp
        let placeholder = RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: 0,
            partitionLeaderEpoch: partitionLeaderEpoch,
            crc: 0,
            attributes: attributes & ~0x07,
            lastOffsetDelta: lastOffsetDelta,
            baseTimestamp: baseTimestamp,
            maxTimestamp: maxTimestamp,
            producerId: producerId,
            producerEpoch: producerEpoch,
            baseSequence: baseSequence,
            recordCount: Int32(truncatingIfNeeded: records.count)
        )
        buffer.reserveCapacity(minimumWritableBytes: RecordBatchHeader.size + records.reduce(0) { $0 + $1.encodedSize })
        placeholder.write(into: &buffer)
        for record in records {
            record.encode(into: &buffer)
        }
        let batchLength = Int32(truncatingIfNeeded: buffer.writerIndex - start - RecordBatchHeader.lengthFieldEnd)
        buffer.setInteger(batchLength, at: start + RecordBatchHeader.FieldOffset.batchLength)
        let crc = CRC32C.checksum(buffer, range: (start + RecordBatchHeader.crcCoverageStart)..<buffer.writerIndex) ?? 0
        buffer.setInteger(crc, at: start + RecordBatchHeader.FieldOffset.crc)
        return RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: batchLength,
            partitionLeaderEpoch: partitionLeaderEpoch,
            crc: crc,
            attributes: placeholder.attributes,
            lastOffsetDelta: lastOffsetDelta,
            baseTimestamp: baseTimestamp,
            maxTimestamp: maxTimestamp,
            producerId: producerId,
            producerEpoch: producerEpoch,
            baseSequence: baseSequence,
            recordCount: placeholder.recordCount
        )
    }
}
