@testable import KappaLog
import NIOCore
import Testing

/// The sparse indexes on their own, in the shape of Kafka's `OffsetIndexTest`/`TimeIndexTest`.
@Suite struct IndexTests {
    private func offsetIndex(_ pairs: [(Int32, Int32)]) throws -> OffsetIndex {
        let index = OffsetIndex(file: MemoryFile(name: "test.index"))
        for (offset, position) in pairs { try index.append(OffsetPosition(relativeOffset: offset, position: position)) }
        return index
    }

    @Test func offsetLookupIsAFloorSearch() throws {
        let index = try self.offsetIndex([(3, 100), (10, 400), (25, 900)])
        #expect(index.lookup(relativeOffset: 0) == nil)
        #expect(index.lookup(relativeOffset: 2) == nil)
        #expect(index.lookup(relativeOffset: 3)?.position == 100)
        #expect(index.lookup(relativeOffset: 9)?.position == 100)
        #expect(index.lookup(relativeOffset: 10)?.position == 400)
        #expect(index.lookup(relativeOffset: 24)?.position == 400)
        #expect(index.lookup(relativeOffset: 1_000)?.position == 900)
    }

    /// Against a brute-force oracle, like Kafka's `randomLookupTest`.
    @Test func offsetLookupMatchesALinearScan() throws {
        var generator = SystemRandomNumberGenerator()
        var offset: Int32 = 0
        var position: Int32 = 0
        var pairs: [(Int32, Int32)] = []
        for _ in 0..<200 {
            offset += Int32.random(in: 1...20, using: &generator)
            position += Int32.random(in: 61...5_000, using: &generator)
            pairs.append((offset, position))
        }
        let index = try self.offsetIndex(pairs)
        for target in Int64(-1)...Int64(offset + 5) {
            let expected = pairs.last { Int64($0.0) <= target }?.1
            #expect(index.lookup(relativeOffset: target)?.position == expected)
        }
    }

    @Test func entriesRoundTripThroughTheFile() throws {
        let index = try self.offsetIndex([(1, 10), (2, 20), (3, 30)])
        let file = try #require(index.file)
        #expect(file.size == 24)
        let reloaded = try #require(try OffsetIndex.readEntries(from: file))
        #expect(reloaded == index.entries)
        try index.truncate(toCount: 1)
        #expect(file.size == 8)
        #expect(index.entries == [OffsetPosition(relativeOffset: 1, position: 10)])
    }

    @Test func partialEntriesMakeTheFileUnreadable() throws {
        let file = MemoryFile(name: "broken.index")
        try file.append(ByteBuffer(bytes: [0, 0, 0, 1, 0, 0, 0, 2, 9]))
        #expect(try OffsetIndex.readEntries(from: file) == nil)
    }

    @Test func inconsistentOffsetIndexesAreDetected() throws {
        #expect(try self.offsetIndex([(1, 10), (2, 20)]).inconsistency(logSize: 100) == nil)
        #expect(try self.offsetIndex([(1, 10), (2, 200)]).inconsistency(logSize: 100) != nil)
        #expect(try self.offsetIndex([(2, 10), (1, 20)]).inconsistency(logSize: 100) != nil)
        #expect(try self.offsetIndex([(1, 20), (2, 10)]).inconsistency(logSize: 100) != nil)
        #expect(try self.offsetIndex([(-1, 10)]).inconsistency(logSize: 100) != nil)
    }

    @Test func deferredWritesReachTheFileOnPersist() throws {
        let index = OffsetIndex(file: MemoryFile(name: "deferred.index"))
        index.defersWrites = true
        try index.append(OffsetPosition(relativeOffset: 1, position: 1))
        try index.append(OffsetPosition(relativeOffset: 2, position: 2))
        #expect(index.file?.size == 0)
        try index.persist()
        #expect(index.file?.size == 16)
    }

    @Test func timeIndexKeepsOnlyGrowingTimestamps() throws {
        let index = TimeIndex(file: MemoryFile(name: "test.timeindex"))
        try index.maybeAppend(timestamp: -1, relativeOffset: 0)
        try index.maybeAppend(timestamp: 100, relativeOffset: 0)
        try index.maybeAppend(timestamp: 100, relativeOffset: 4)
        try index.maybeAppend(timestamp: 90, relativeOffset: 5)
        try index.maybeAppend(timestamp: 300, relativeOffset: 9)
        #expect(index.entries.map(\.timestamp) == [100, 300])
        #expect(index.file?.size == 24)
        #expect(index.lastEntry(before: 100) == nil)
        #expect(index.lastEntry(before: 101)?.relativeOffset == 0)
        #expect(index.lastEntry(before: 300)?.relativeOffset == 0)
        #expect(index.lastEntry(before: 301)?.relativeOffset == 9)
        #expect(index.inconsistency(relativeEnd: 10) == nil)
        #expect(index.inconsistency(relativeEnd: 9) != nil)
    }

    @Test func segmentFileNames() {
        #expect(LogFileName.stem(baseOffset: 0) == "00000000000000000000")
        #expect(LogFileName.stem(baseOffset: 1_234) == "00000000000000001234")
        #expect(LogFileName.baseOffset(of: "00000000000000001234.log", suffix: ".log") == 1_234)
        #expect(LogFileName.baseOffset(of: "00000000000000001234.index", suffix: ".log") == nil)
        #expect(LogFileName.baseOffset(of: "1234.log", suffix: ".log") == nil)
        #expect(LogFileName.baseOffset(of: "0000000000000000123x.log", suffix: ".log") == nil)
    }
}
