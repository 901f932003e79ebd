import KappaWire
import NIOCore

extension PartitionLog {
    /// `records` with every batch stamped with the broker's clock, as Kafka's `LogValidator` does
    /// for `message.timestamp.type=LogAppendTime` (`DefaultRecordBatch.setMaxTimestamp`): the
    /// timestamp-type bit (attributes bit 3) is set and `maxTimestamp` becomes `now`; both are
    /// inside the CRC, so the CRC is recomputed. Records keep their own timestamp deltas; readers
    /// use `maxTimestamp` for every record of a LogAppendTime batch. Batches already stamped with
    /// `now` are left untouched.
    ///
    /// Each batch's CRC is checked first: recomputing it over a corrupted batch would hide the
    /// damage from `append`'s own check.
    ///
    /// - Throws: `LogError.corruptBatch` if a batch is truncated, malformed or fails its CRC.
    public static func stampingLogAppendTime(_ records: ByteBuffer, now: Int64) throws -> ByteBuffer {
        let attributesOffset = RecordBatchHeader.crcCoverageStart  // attributes open the CRC-covered part
        let crcOffset = 17
        let maxTimestampOffset = 35
        let logAppendTimeBit: Int16 = 0x08
        var stamped = records
        var position = stamped.readerIndex
        while position < stamped.writerIndex {
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: stamped, at: position)
            } catch {
                throw LogError.corruptBatch("\(error)")
            }
            guard header.crcMatches(in: stamped, at: position) else {
                throw LogError.corruptBatch("record batch at offset \(position): CRC mismatch")
            }
            if header.timestampType != .logAppendTime || header.maxTimestamp != now {
                stamped.setInteger(header.attributes | logAppendTimeBit, at: position + attributesOffset)
                stamped.setInteger(now, at: position + maxTimestampOffset)
                guard let crc = header.computedCRC(in: stamped, at: position) else {
                    throw LogError.corruptBatch("record batch at offset \(position) is truncated")
                }
                stamped.setInteger(crc, at: position + crcOffset)
            }
            position += header.totalSize
        }
        return stamped
    }
}
