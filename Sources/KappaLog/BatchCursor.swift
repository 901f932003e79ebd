import KappaWire
import NIOCore

/// Walks the batch headers of a segment file from a position, reading it in chunks so that a
/// scan over many small batches costs a few large reads rather than one read per header.
struct BatchCursor {
    /// What the next position holds.
    enum Step {
        /// A batch (whole, and with a matching CRC when verified) starting at `position`.
        case batch(RecordBatchHeader, position: Int64)
        /// The end of the scanned range.
        case end
        /// Bytes at `position` that are not a valid batch header; `reason` says why.
        case invalid(position: Int64, reason: String)
        /// Bytes at `position` that run to the end of the scanned range without holding a whole
        /// batch: a write torn by a crash (or a length field damaged so that it looks like one).
        case partial(position: Int64, reason: String)
        /// A whole batch with a sane header whose CRC does not match (only with `verifyCRC`); the
        /// cursor moves past it, so the caller can tell damage in place from a torn tail.
        case crcMismatch(RecordBatchHeader, position: Int64)
    }

    static let chunkSize = 64 * 1024

    let file: any FileStorage
    /// Scanning stops here (normally the file size).
    let end: Int64
    private(set) var position: Int64
    private var chunk = ByteBuffer()
    private var chunkStart: Int64 = 0

    init(file: any FileStorage, from position: Int64, to end: Int64? = nil) {
        self.file = file
        self.position = position
        self.end = end ?? file.size
    }

    /// Parses the batch at the current position and moves past it.
    ///
    /// - Parameter verifyCRC: also read the whole batch and check its CRC (recovery does this;
    ///   reads trust data that was validated when it was appended or recovered).
    /// - Throws: only I/O errors; bad data is reported as `.invalid`.
    mutating func next(verifyCRC: Bool) throws -> Step {
        let position = self.position
        guard position < self.end else { return .end }
        let remaining = self.end - position
        guard remaining >= Int64(RecordBatchHeader.size) else {
            let reason = "partial batch header: \(remaining) of \(RecordBatchHeader.size) bytes"
            return .partial(position: position, reason: reason)
        }
        try self.load(position, length: RecordBatchHeader.size)
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(parsing: self.chunk, at: Int(position - self.chunkStart))
        } catch {
            return .invalid(position: position, reason: "\(error)")
        }
        guard Int64(header.totalSize) <= remaining else {
            return .partial(position: position, reason: "partial batch: \(remaining) of \(header.totalSize) bytes")
        }
        if verifyCRC {
            try self.load(position, length: header.totalSize)
            guard header.crcMatches(in: self.chunk, at: Int(position - self.chunkStart)) else {
                self.position = position + Int64(header.totalSize)
                return .crcMismatch(header, position: position)
            }
        }
        self.position = position + Int64(header.totalSize)
        return .batch(header, position: position)
    }

    /// Makes `chunk` cover `[position, position + length)`, reading a new chunk if needed.
    private mutating func load(_ position: Int64, length: Int) throws {
        let offset = position - self.chunkStart
        if offset >= 0, offset + Int64(length) <= Int64(self.chunk.readableBytes) { return }
        let wanted = min(max(length, Self.chunkSize), Int(self.end - position))
        self.chunk = try self.file.read(at: position, length: wanted)
        self.chunkStart = position
    }
}
