import NIOCore

extension ByteBuffer {
    /// Overwrites the broker-assigned fields of the batch starting at the absolute index `index`:
    /// `baseOffset` (int64 at +0) and `partitionLeaderEpoch` (int32 at +12).
    ///
    /// Both sit before the CRC-covered range, so the stored CRC stays valid and the batch never
    /// needs re-encoding. Returns `false` (and writes nothing) if the header is not fully readable.
    @discardableResult
    public mutating func patchRecordBatch(at index: Int, baseOffset: Int64, partitionLeaderEpoch: Int32) -> Bool {
        guard index >= self.readerIndex, self.writerIndex - index >= RecordBatchHeader.size else { return false }
        self.setInteger(baseOffset, at: index + RecordBatchHeader.FieldOffset.baseOffset)
        self.setInteger(partitionLeaderEpoch, at: index + RecordBatchHeader.FieldOffset.partitionLeaderEpoch)
        return true
    }
}
