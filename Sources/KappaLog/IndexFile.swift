import NIOCore

/// One fixed-size entry of an index file.
protocol IndexEntry: Equatable, Sendable {
    /// Bytes per entry on disk.
    static var size: Int { get }
    /// Reads an entry at `index`; the caller guarantees `size` readable bytes.
    init(reading buffer: ByteBuffer, at index: Int)
    func write(into buffer: inout ByteBuffer)
}

/// A sparse index (Kafka's `AbstractIndex`): fixed-size entries kept in memory as a sorted array
/// for binary search, and appended to a plain file so a restart need not rescan the segment.
///
/// The file carries no checksum; like Kafka's, it is validated on load and rebuilt from the
/// segment when it is missing or inconsistent. Memory-mode logs have no file at all.
final class IndexFile<Entry: IndexEntry> {
    let file: (any FileStorage)?
    private(set) var entries: [Entry]
    /// Entries already in the file; the rest are waiting for `persist()` (used while recovering,
    /// so a rebuild writes the file once instead of once per entry).
    private var persistedCount: Int
    /// While true, `append` only adds to memory.
    var defersWrites = false

    init(file: (any FileStorage)?, entries: [Entry] = []) {
        self.file = file
        self.entries = entries
        self.persistedCount = entries.count
    }

    /// The entries stored in `file`, or `nil` if its size is not a whole number of entries.
    static func readEntries(from file: any FileStorage) throws -> [Entry]? {
        let size = file.size
        guard size % Int64(Entry.size) == 0 else { return nil }
        let buffer = try file.read(at: 0, length: Int(size))
        guard Int64(buffer.readableBytes) == size else { return nil }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(size) / Entry.size)
        var index = buffer.readerIndex
        while index + Entry.size <= buffer.writerIndex {
            entries.append(Entry(reading: buffer, at: index))
            index += Entry.size
        }
        return entries
    }

    var last: Entry? { self.entries.last }
    var count: Int { self.entries.count }

    func append(_ entry: Entry) throws {
        self.entries.append(entry)
        if !self.defersWrites { try self.persist() }
    }

    /// Writes entries not yet in the file.
    func persist() throws {
        guard let file = self.file else {
            self.persistedCount = self.entries.count
            return
        }
        guard self.persistedCount < self.entries.count else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: (self.entries.count - self.persistedCount) * Entry.size)
        for entry in self.entries[self.persistedCount...] { entry.write(into: &buffer) }
        try file.append(buffer)
        self.persistedCount = self.entries.count
    }

    /// Keeps only the first `count` entries, in memory and in the file.
    func truncate(toCount count: Int) throws {
        guard count < self.entries.count else { return }
        self.entries.removeLast(self.entries.count - max(0, count))
        if self.persistedCount > self.entries.count {
            try self.file?.truncate(to: Int64(self.entries.count * Entry.size))
            self.persistedCount = self.entries.count
        }
    }

    /// Index of the last entry for which `isAtOrBefore` holds, assuming it holds for a prefix
    /// of the entries (they are sorted); `nil` if it holds for none.
    func lastIndex(where isAtOrBefore: (Entry) -> Bool) -> Int? {
        var low = 0
        var high = self.entries.count
        while low < high {
            let middle = (low + high) / 2
            if isAtOrBefore(self.entries[middle]) { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    func sync() throws { try self.file?.sync() }
    func close() throws { try self.file?.close() }
    func delete() throws { try self.file?.delete() }
}
