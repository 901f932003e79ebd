import NIOCore

/// A `FileStorage` held in a `ByteBuffer`, for brokers started with `--memory` and for tests.
final class MemoryFile: FileStorage {
    let name: String
    private var bytes: ByteBuffer
    private var isOpen = true
    private(set) var lastModifiedMs: Int64

    init(name: String, now: Int64 = Posix.nowMilliseconds()) {
        self.name = name
        self.bytes = ByteBuffer()
        self.lastModifiedMs = now
    }

    var size: Int64 { Int64(self.bytes.readableBytes) }

    func append(_ bytes: ByteBuffer) throws {
        try self.checkOpen()
        var copy = bytes
        self.bytes.writeBuffer(&copy)
        self.lastModifiedMs = Posix.nowMilliseconds()
    }

    /// Returns a copy, never a slice: a slice would share storage with `bytes`, and the next
    /// append would then copy the whole segment (copy-on-write) while the reader holds it.
    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        try self.checkOpen()
        let start = Int(max(0, position))
        let count = max(0, min(length, self.bytes.readableBytes - start))
        guard count > 0, let view = self.bytes.viewBytes(at: self.bytes.readerIndex + start, length: count) else {
            return ByteBuffer()
        }
        var copy = ByteBufferAllocator().buffer(capacity: count)
        copy.writeBytes(view)
        return copy
    }

    func truncate(to size: Int64) throws {
        try self.checkOpen()
        let keep = Int(max(0, min(size, self.size)))
        self.bytes.moveWriterIndex(to: self.bytes.readerIndex + keep)
    }

    func sync() throws {
        try self.checkOpen()
    }

    func syncHandle() throws -> SyncHandle? {
        try self.checkOpen()
        return nil
    }

    func close() throws {
        self.isOpen = false
    }

    func delete() throws {
        self.isOpen = false
        self.bytes = ByteBuffer()
    }

    private func checkOpen() throws {
        guard self.isOpen else { throw LogError.closed(self.name) }
    }
}
