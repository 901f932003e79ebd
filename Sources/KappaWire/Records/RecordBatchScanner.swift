import NIOCore

/// Splits the `records` field of a Produce request (one or more concatenated v2 batches) into
/// validated batch headers, so the log can reject a bad request before writing any of it.
public enum RecordBatchScanner {
    /// One batch found by `scan(_:)`.
    public struct Batch: Sendable, Equatable {
        /// The parsed header.
        public let header: RecordBatchHeader
        /// Absolute index of the batch's first byte in the scanned buffer.
        public let position: Int

        public init(header: RecordBatchHeader, position: Int) {
            self.header = header
            self.position = position
        }

        /// The batch's bytes as absolute indices in the scanned buffer.
        public var range: Range<Int> { self.position..<(self.position + self.header.totalSize) }
    }

    /// Parses every batch in the readable bytes of `buffer` (the reader index is not moved).
    ///
    /// - Parameter verifyCRC: check each batch's CRC-32C (on by default; a fetch path that
    ///   already trusts its bytes may skip it).
    /// - Returns: the batches in order; empty if `buffer` has no readable bytes.
    /// - Throws: `WireError.truncated` for a batch cut short (header or body);
    ///   `WireError.invalid` for a bad magic, length, codec or count (message says which) or a
    ///   CRC mismatch (message starts with "record batch at P: CRC mismatch").
    public static func scan(_ buffer: ByteBuffer, verifyCRC: Bool = true) throws -> [Batch] {
        var batches: [Batch] = []
        var position = buffer.readerIndex
        let end = buffer.writerIndex
        while position < end {
            let header = try RecordBatchHeader(parsing: buffer, at: position)
            let available = end - position
            guard header.totalSize <= available else {
                throw WireError.truncated("record batch at \(position): \(available) of \(header.totalSize) bytes")
            }
            if verifyCRC {
                let computed = header.computedCRC(in: buffer, at: position)
                guard computed == header.crc else {
                    throw WireError.invalid(
                        "record batch at \(position): CRC mismatch (stored 0x\(Self.hex(header.crc)), "
                            + "computed 0x\(Self.hex(computed ?? 0)))"
                    )
                }
            }
            batches.append(Batch(header: header, position: position))
            position += header.totalSize
        }
        return batches
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
