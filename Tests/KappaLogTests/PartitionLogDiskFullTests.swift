@testable import KappaLog
import KappaWire
import Logging
import NIOCore
import Testing

/// Appends that fail part-way (a full disk) leave no part of themselves in the log: the producer is
/// told they failed and will send them again. Earlier data stays readable, and appends work again
/// once there is room.
@Suite struct PartitionLogDiskFullTests {
    /// A log whose first segment writes to files that refuse to grow past their limits.
    private struct Limited {
        let log: PartitionLog
        let data: LimitedFile
        let offsetIndex: LimitedFile
        let timeIndex: LimitedFile
        let logs: CapturedLogs

        init(config: LogConfig, dataLimit: Int64 = .max, offsetIndexLimit: Int64 = .max, timeIndexLimit: Int64 = .max) {
            self.data = LimitedFile(name: "00000000000000000000.log", limit: dataLimit)
            self.offsetIndex = LimitedFile(name: "00000000000000000000.index", limit: offsetIndexLimit)
            self.timeIndex = LimitedFile(name: "00000000000000000000.timeindex", limit: timeIndexLimit)
            self.logs = CapturedLogs()
            let segment = LogSegment(
                baseOffset: 0,
                log: self.data,
                offsetIndex: OffsetIndex(file: self.offsetIndex),
                timeIndex: TimeIndex(file: self.timeIndex),
                indexIntervalBytes: config.indexIntervalBytes,
                createdMs: 0
            )
            self.log = PartitionLog(directory: nil, config: config, logger: self.logs.logger, segments: [segment],
                                    logStartOffset: 0, lockDescriptor: nil)
        }

        func append(_ tag: String, timestamp: Int64 = 1_000) throws -> LogAppendInfo {
            try self.log.append(makeBatch(records: 2, timestamp: timestamp, tag: tag), now: 0)
        }

        func allValues() throws -> [String] {
            try values(in: self.log.read(from: 0, maxBytes: 1 << 20))
        }
    }

    private let batchSize = makeBatch(records: 2, tag: "a0").readableBytes

    @Test func aBatchThatDoesNotFitLeavesNothingBehindAndAppendsResumeWithRoom() throws {
        let fixture = Limited(config: LogConfig(), dataLimit: Int64(self.batchSize * 3 + self.batchSize / 2))
        for i in 0..<3 { #expect(try fixture.append("a\(i)").firstOffset == Int64(2 * i)) }
        #expect(throws: LogError.self) { try fixture.append("a3") }
        // Half of it was written before the limit; it is gone again.
        #expect(fixture.data.size == Int64(self.batchSize * 3))
        #expect(fixture.log.logEndOffset == 6)
        #expect(try fixture.allValues() == ["a0-0", "a0-1", "a1-0", "a1-1", "a2-0", "a2-1"])

        fixture.data.limit = .max
        #expect(try fixture.append("a3").firstOffset == 6)
        #expect(try fixture.allValues().suffix(2) == ["a3-0", "a3-1"])
        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: 1 << 20)) == [0...1, 2...3, 4...5, 6...7])
    }

    @Test func aFailedIndexWriteTakesTheBatchBackOutOfTheLog() throws {
        // An index entry for every batch after the first; the index file cannot take one.
        let fixture = Limited(config: LogConfig(indexIntervalBytes: 1), offsetIndexLimit: 0)
        #expect(try fixture.append("a0").firstOffset == 0)
        #expect(throws: LogError.self) { try fixture.append("a1") }
        #expect(fixture.data.size == Int64(self.batchSize))
        #expect(fixture.log.logEndOffset == 2)
        #expect(fixture.offsetIndex.size == 0)

        fixture.offsetIndex.limit = .max
        #expect(try fixture.append("a1").firstOffset == 2)
        #expect(try fixture.append("a2").firstOffset == 4)
        #expect(fixture.offsetIndex.size == 2 * 8)
        #expect(try fixture.allValues() == ["a0-0", "a0-1", "a1-0", "a1-1", "a2-0", "a2-1"])
        #expect(try offsetRanges(in: fixture.log.read(from: 4, maxBytes: 1)) == [4...5])
    }

    @Test func aRollThatFailsUndoesTheBatchesWrittenBeforeIt() throws {
        // Two batches per segment; a roll writes the old segment's final time-index entry, which cannot be stored.
        let config = LogConfig(segmentBytes: self.batchSize * 2 + 10, indexIntervalBytes: 1 << 20)
        let fixture = Limited(config: config, timeIndexLimit: 0)
        #expect(try fixture.append("a0", timestamp: 1_000).firstOffset == 0)
        // One request, two batches: the first fits the active segment, the second needs a roll.
        let request = concatenate(makeBatch(records: 2, timestamp: 2_000, tag: "a1"),
                                  makeBatch(records: 2, timestamp: 3_000, tag: "a2"))
        #expect(throws: LogError.self) { try fixture.log.append(request, now: 0) }
        #expect(fixture.log.segmentCount == 1)
        #expect(fixture.log.logEndOffset == 2)
        #expect(fixture.data.size == Int64(self.batchSize))
        #expect(try fixture.allValues() == ["a0-0", "a0-1"])

        fixture.timeIndex.limit = .max
        let info = try fixture.log.append(request, now: 0)
        #expect(info.firstOffset == 2 && info.lastOffset == 5)
        #expect(fixture.log.segmentBaseOffsets == [0, 4])
        #expect(try fixture.allValues() == ["a0-0", "a0-1", "a1-0", "a1-1", "a2-0", "a2-1"])
        #expect(fixture.log.maxTimestamp?.timestamp == 3_001)
    }
}

/// A file in memory that refuses to grow past `limit` bytes, like a full disk: an append that would
/// cross the limit stores what fits (as a short `write` does) and then fails.
final class LimitedFile: FileStorage {
    private let inner: MemoryFile
    var limit: Int64

    init(name: String, limit: Int64) {
        self.inner = MemoryFile(name: name, now: 0)
        self.limit = limit
    }

    var name: String { self.inner.name }
    var size: Int64 { self.inner.size }
    var lastModifiedMs: Int64 { self.inner.lastModifiedMs }

    func append(_ bytes: ByteBuffer) throws {
        let room = max(0, self.limit - self.inner.size)
        guard Int64(bytes.readableBytes) <= room else {
            if room > 0, let part = bytes.getSlice(at: bytes.readerIndex, length: Int(room)) {
                try self.inner.append(part)
            }
            throw LogError.storage("pwrite \(self.name): No space left on device (errno 28)")
        }
        try self.inner.append(bytes)
    }

    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        try self.inner.read(at: position, length: length)
    }
    func truncate(to size: Int64) throws { try self.inner.truncate(to: size) }
    func sync() throws { try self.inner.sync() }
    func syncHandle() throws -> SyncHandle? { try self.inner.syncHandle() }
    func close() throws { try self.inner.close() }
    func delete() throws { try self.inner.delete() }
}
