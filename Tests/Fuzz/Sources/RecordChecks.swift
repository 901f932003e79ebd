import KappaWire
import NIOCore

/// The produce path's view of a `records` field: scanning must agree with and without the CRC, a
/// batch the broker would accept keeps a valid CRC after its offsets are assigned, and decoded
/// records re-encode to the same records.
enum RecordChecks {
    static func check(_ records: ByteBuffer) {
        let unchecked = try? RecordBatchScanner.scan(records, verifyCRC: false)
        if let verified = try? RecordBatchScanner.scan(records, verifyCRC: true) {
            Invariant.require(unchecked == verified, "CRC-checked scan found different batches")
        }
        for batch in unchecked ?? [] {
            let inside = batch.range.lowerBound >= records.readerIndex && batch.range.upperBound <= records.writerIndex
            Invariant.require(inside, "scanned batch \(batch.range) outside the records")
            Self.checkOffsetAssignment(records, batch)
            Self.checkRecords(records, batch)
        }
        _ = RecordBatchHeader.peekMagic(in: records, at: records.readerIndex)
    }

    /// The broker patches baseOffset and partitionLeaderEpoch in place; both lie outside the CRC.
    static func checkOffsetAssignment(_ records: ByteBuffer, _ batch: RecordBatchScanner.Batch) {
        guard batch.header.crcMatches(in: records, at: batch.position) else { return }
        var patched = records
        let patchedOK = patched.patchRecordBatch(
            at: batch.position, baseOffset: 0x1234_5678_9abc, partitionLeaderEpoch: 7)
        Invariant.require(patchedOK)
        guard let header = try? RecordBatchHeader(parsing: patched, at: batch.position) else {
            Invariant.fail("patched batch header no longer parses")
        }
        Invariant.require(header.baseOffset == 0x1234_5678_9abc && header.partitionLeaderEpoch == 7)
        Invariant.require(header.crcMatches(in: patched, at: batch.position), "patching offsets broke the CRC")
    }

    static func checkRecords(_ records: ByteBuffer, _ batch: RecordBatchScanner.Batch) {
        guard let decoded = try? RecordBatch(parsing: records, at: batch.position, verifyCRC: false) else { return }
        Invariant.require(decoded.records.count == Int(batch.header.recordCount))
        // The encoder derives lastOffsetDelta from the records; a negative delta (which the broker
        // stores as sent, never reading records) makes a batch its own parser refuses.
        guard decoded.records.allSatisfy({ $0.offsetDelta >= 0 }) else { return }
        var encoded = ByteBuffer()
        let header = decoded.header
        RecordBatch.encode(
            records: decoded.records, baseTimestamp: header.baseTimestamp, maxTimestamp: header.maxTimestamp,
            baseOffset: header.baseOffset, partitionLeaderEpoch: header.partitionLeaderEpoch,
            attributes: header.attributes, producerId: header.producerId, producerEpoch: header.producerEpoch,
            baseSequence: header.baseSequence, into: &encoded)
        do {
            let again = try RecordBatch(parsing: encoded, at: encoded.readerIndex)
            Invariant.require(again.records == decoded.records, "records changed in a decode/encode round trip")
        } catch {
            Invariant.fail("re-encoded batch does not decode: \(error)")
        }
    }
}
