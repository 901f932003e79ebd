import NIOCore

/// Record batches a read found, either copied into memory or as a range of a segment file that the
/// transport sends as it is (`sendfile`): a large Fetch answer then never passes through the
/// broker's memory, where it would cost a copy in, a copy out and the page faults of a fresh buffer.
public enum LogChunk: Sendable {
    case bytes(ByteBuffer)
    /// Owns its file handle (a duplicated descriptor): whoever takes the chunk closes it once sent.
    case file(FileRegion)

    public var byteCount: Int {
        switch self {
        case .bytes(let bytes): bytes.readableBytes
        case .file(let region): region.readableBytes
        }
    }
}
