import Foundation
@testable import KappaLog
import KappaWire
import Logging
import NIOCore
import Testing

/// A batch of keyed records (`nil` value = tombstone), timestamps `timestamp + i`.
func makeKeyedBatch(_ records: [(String, String?)], timestamp: Int64 = 1_000, producerId: Int64 = -1,
                    epoch: Int16 = -1, baseSequence: Int32 = -1, transactional: Bool = false,
                    headers: [RecordHeader] = []) -> ByteBuffer
{
    var builder = RecordBatchBuilder(producerId: producerId, producerEpoch: epoch, baseSequence: baseSequence,
                                     isTransactional: transactional)
    for (i, (key, value)) in records.enumerated() {
        builder.append(key: Array(key.utf8), value: value.map { Array($0.utf8) }, headers: headers,
                       timestamp: timestamp + Int64(i))
    }
    return builder.build()
}

/// One stored record as a consumer sees it.
struct StoredRecord: Equatable, CustomStringConvertible {
    var offset: Int64
    var key: String?
    var value: String?
    var timestamp: Int64
    var description: String { "\(self.offset):\(self.key ?? "-")=\(self.value ?? "∅")" }
}

/// Every batch header and record of `log` from its start, read the way Fetch reads it.
func readAll(_ log: PartitionLog) throws -> (batches: [RecordBatchHeader], records: [StoredRecord]) {
    var offset = log.logStartOffset
    var batches: [RecordBatchHeader] = []
    var records: [StoredRecord] = []
    while offset < log.logEndOffset {
        let bytes = try log.read(from: offset, maxBytes: 1 << 20)
        let scanned = try RecordBatchScanner.scan(bytes)
        guard let last = scanned.last else { break }
        for batch in scanned {
            batches.append(batch.header)
            if batch.header.compression != .none { continue }
            let decoded = try RecordBatch(parsing: bytes, at: batch.position)
            for record in decoded.records {
                records.append(StoredRecord(
                    offset: decoded.offset(of: record),
                    key: record.key.map { String(decoding: $0, as: UTF8.self) },
                    value: record.value.map { String(decoding: $0, as: UTF8.self) },
                    timestamp: decoded.timestamp(of: record)
                ))
            }
        }
        offset = last.header.lastOffset + 1
    }
    return (batches, records)
}

/// The latest value of each key among `records` (nil for a key whose latest record is a tombstone).
func latest(_ records: [StoredRecord]) -> [String: String?] {
    var result: [String: String?] = [:]
    for record in records { if let key = record.key { result[key] = .some(record.value) } }
    return result
}

/// Compaction of one log: the offset map, which records survive, tombstones, transactions,
/// compressed batches, the clean point and the crash-safe swap.
@Suite struct LogCleanerTests {
    static let compacted: LogConfig = {
        var config = LogConfig(segmentBytes: 400, segmentMs: nil, retentionMs: 1)
        config.cleanupPolicy = .compact
        config.minCleanableDirtyRatio = 0.01
        config.deleteRetentionMs = 10_000
        return config
    }()

    /// One pass at `now`: plan, clean, swap. Returns the result (nil if no plan or map too small).
    @discardableResult
    func pass(_ fixture: LogFixture, now: Int64 = 5_000, aborted: [LogCleaner.AbortedRange] = [],
              mapMemoryBytes: Int = 1 << 16, unstable: Int64? = nil) throws -> LogCleaner.Result?
    {
        guard let plan = fixture.log.cleaningPlan(now: now, firstUnstableOffset: unstable) else { return nil }
        guard let result = try LogCleaner.clean(plan, aborted: aborted, mapMemoryBytes: mapMemoryBytes, now: now,
                                                logger: fixture.logs.logger)
        else { return nil }
        try fixture.log.completeCleaning(result)
        return result
    }

    /// `count` single-record batches cycling over `keys` keys: value "v<i>" for key "k<i % keys>".
    func fill(_ fixture: LogFixture, count: Int, keys: Int, start: Int = 0) throws {
        for i in start..<(start + count) {
            _ = try fixture.log.append(makeKeyedBatch([("k\(i % keys)", "v\(i)")], timestamp: Int64(1_000 + i)), now: 1_000)
        }
    }

    @Test func offsetMapKeepsTheLatestOffsetAndRefusesNewKeysWhenFull() {
        var map = OffsetMap(memoryBytes: 24 * 10)
        #expect(map.slots == 10)
        #expect(map.capacity == 9)
        var accepted = [map.put(key: Array("a".utf8), offset: 5), map.put(key: Array("a".utf8), offset: 7)]
        #expect(map.get(key: Array("a".utf8)) == 7)
        #expect(map.get(key: Array("b".utf8)) == nil)
        for i in 0..<8 { accepted.append(map.put(key: Array("key\(i)".utf8), offset: Int64(10 + i))) }
        #expect(accepted.allSatisfy { $0 })
        #expect(map.isFull)
        let refused = map.put(key: Array("one too many".utf8), offset: 99)
        #expect(!refused)
        #expect(map.get(key: Array("one too many".utf8)) == nil)
        // An existing key is still updated when full.
        let updated = map.put(key: Array("key3".utf8), offset: 50)
        #expect(updated)
        #expect(map.get(key: Array("key3".utf8)) == 50)
        #expect(map.latestOffset == 50)
        map.clear()
        #expect(map.count == 0)
        #expect(map.get(key: Array("a".utf8)) == nil)
    }

    @Test func cleaningKeepsTheLatestRecordOfEachKeyWithOffsetsAndTimestampsUnchanged() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 120, keys: 7)
        let before = try readAll(fixture.log)
        #expect(fixture.log.segmentCount > 3)
        let plan = try #require(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil))
        #expect(plan.isDue)
        #expect(plan.firstDirtyOffset == 0)
        try #require(try self.pass(fixture) != nil)
        let after = try readAll(fixture.log)
        let active = fixture.log.segmentBaseOffsets.last ?? 0
        // Below the active segment each key appears once, at most; the active segment is untouched.
        let cleaned = after.records.filter { $0.offset < active }
        #expect(Set(cleaned.compactMap(\.key)).count == cleaned.count)
        #expect(after.records.filter { $0.offset >= active } == before.records.filter { $0.offset >= active })
        #expect(latest(after.records) == latest(before.records))
        // Kept records are exactly the originals at the same offsets (same timestamps too).
        for record in after.records { #expect(before.records.contains(record)) }
        #expect(after.records.map(\.offset) == after.records.map(\.offset).sorted())
        #expect(after.records.count < before.records.count)
        #expect(fixture.log.firstDirtyOffset == active)
        // The clean point survives a restart, recovery accepts the gaps without rebuilding anything.
        try fixture.reopen()
        #expect(fixture.log.firstDirtyOffset == active)
        #expect(try readAll(fixture.log).records == after.records)
        #expect(fixture.logs.warnings(containing: "recovered").isEmpty)
        // Nothing dirty: no pass due.
        #expect(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil)?.isDue == false)
        // Appending more and cleaning again still keeps the latest of each key.
        try self.fill(fixture, count: 60, keys: 7, start: 120)
        let before2 = try readAll(fixture.log)
        try #require(try self.pass(fixture) != nil)
        #expect(latest(try readAll(fixture.log).records) == latest(before2.records))
        #expect(fixture.log.logEndOffset == 180)
    }

    @Test func aRewrittenBatchKeepsItsOffsetRangeProducerFieldsAndHeaders() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        let headers = [RecordHeader(key: "h", value: Array("x".utf8))]
        _ = try fixture.log.append(makeKeyedBatch([("a", "1"), ("b", "1"), ("a", "2")], producerId: 7, epoch: 3,
                                              baseSequence: 0, headers: headers), now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("b", "2")], producerId: 7, epoch: 3, baseSequence: 3), now: 1_000)
        try fixture.log.roll(at: fixture.log.logEndOffset, now: 1_000)
        try #require(try self.pass(fixture) != nil)
        let after = try readAll(fixture.log)
        #expect(after.records.map(\.description) == ["2:a=2", "3:b=2"])
        let first = try #require(after.batches.first)
        #expect(first.baseOffset == 0 && first.lastOffset == 2 && first.recordCount == 1)
        #expect(first.producerId == 7 && first.producerEpoch == 3 && first.baseSequence == 0 && first.lastSequence == 2)
        #expect(after.records.first?.timestamp == 1_002)
        let bytes = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        let batch = try RecordBatch(parsing: bytes, at: bytes.readerIndex) // CRC checked
        #expect(batch.records.first?.headers == headers)
    }

    @Test func tombstonesSurviveOnePassAndGoAfterDeleteRetention() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        _ = try fixture.log.append(makeKeyedBatch([("a", "1"), ("b", "1"), ("c", "1")]), now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("a", nil), ("c", "2")], timestamp: 2_000), now: 1_000)
        try fixture.log.roll(at: fixture.log.logEndOffset, now: 1_000)
        try #require(try self.pass(fixture, now: 5_000) != nil)
        var after = try readAll(fixture.log)
        #expect(after.records.map(\.description) == ["1:b=1", "3:a=∅", "4:c=2"])
        // The tombstone's batch carries the delete horizon; its records' timestamps are unchanged.
        let tombstoneBatch = try #require(after.batches.first { $0.baseOffset == 3 })
        #expect(tombstoneBatch.hasDeleteHorizon && tombstoneBatch.baseTimestamp == 5_000 + 10_000)
        #expect(after.records.first { $0.offset == 3 }?.timestamp == 2_000)
        #expect(after.records.first { $0.offset == 4 }?.timestamp == 2_001)
        // The horizon is saved with the clean point.
        try fixture.reopen()
        #expect(fixture.log.pendingDeleteHorizon == 15_000)
        // Before the horizon another pass keeps it (force one by moving the clean point back), and
        // since nothing changes it swaps nothing.
        fixture.log.firstDirtyOffset = 0
        let unchanged = try #require(try self.pass(fixture, now: 14_999))
        #expect(unchanged.segments.allSatisfy { $0.isUnchanged })
        #expect(try readAll(fixture.log).records.map(\.description) == ["1:b=1", "3:a=∅", "4:c=2"])
        // Nothing is dirty, but the passed horizon makes a pass due.
        #expect(fixture.log.pendingDeleteHorizon == 15_000)
        #expect(fixture.log.cleaningPlan(now: 14_999, firstUnstableOffset: nil)?.isDue == false)
        #expect(fixture.log.cleaningPlan(now: 15_000, firstUnstableOffset: nil)?.isDue == true)
        try #require(try self.pass(fixture, now: 15_000) != nil)
        #expect(fixture.log.pendingDeleteHorizon == nil)
        after = try readAll(fixture.log)
        #expect(after.records.map(\.description) == ["1:b=1", "4:c=2"])
        #expect(after.batches.first { $0.baseOffset == 3 }?.lastOffset == 4)
    }

    @Test func abortedRecordsGoMarkersStayAndTheProducersLastBatchIsKeptEmpty() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        // Committed transaction of producer 1, aborted transaction of producer 2, then a newer "a".
        _ = try fixture.log.append(makeKeyedBatch([("a", "t1")], producerId: 1, epoch: 0, baseSequence: 0,
                                              transactional: true), now: 1_000)
        _ = try fixture.log.append(EndTransactionMarker(kind: .commit).batch(producerId: 1, producerEpoch: 0, timestamp: 1_000),
                               now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("x", "aborted"), ("b", "aborted")], producerId: 2, epoch: 0,
                                              baseSequence: 0, transactional: true), now: 1_000)
        _ = try fixture.log.append(EndTransactionMarker(kind: .abort).batch(producerId: 2, producerEpoch: 0, timestamp: 1_000),
                               now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("b", "plain")]), now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("a", "later")], producerId: 1, epoch: 0, baseSequence: 1), now: 1_000)
        try fixture.log.roll(at: fixture.log.logEndOffset, now: 1_000)
        let aborted = [LogCleaner.AbortedRange(producerId: 2, firstOffset: 2, lastOffset: 4)]
        try #require(try self.pass(fixture, aborted: aborted) != nil)
        let after = try readAll(fixture.log)
        // Offsets: 0 a=t1 (p1), 1 commit, 2-3 aborted (p2), 4 abort, 5 b=plain, 6 a=later (p1).
        #expect(after.records.filter { $0.offset != 1 && $0.offset != 4 }.map(\.description) == ["5:b=plain", "6:a=later"])
        #expect(after.batches.contains { $0.baseOffset == 1 && $0.isControl })
        #expect(after.batches.contains { $0.baseOffset == 4 && $0.isControl })
        // Producer 2's data batch was its last data batch here: kept, empty, sequences intact.
        let kept = try #require(after.batches.first { $0.baseOffset == 2 })
        #expect(kept.recordCount == 0 && kept.lastOffset == 3 && kept.producerId == 2 && kept.lastSequence == 1)
        // Producer 1's superseded first batch is gone (its later batch carries the sequence).
        #expect(!after.batches.contains { $0.baseOffset == 0 })
    }

    @Test func cleaningStopsAtAnOpenTransactionAndAtYoungSegments() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 60, keys: 3)
        let bases = fixture.log.segmentBaseOffsets
        try #require(bases.count >= 4)
        let plan = try #require(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: bases[2] + 1))
        #expect(plan.cleanableEndOffset == bases[2])
        fixture.log.config.minCompactionLagMs = 1_000_000
        #expect(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil) == nil)
        fixture.log.config.minCompactionLagMs = 0
        fixture.log.config.minCleanableDirtyRatio = 1.0
        #expect(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil)?.isDue == true)
        fixture.log.firstDirtyOffset = bases[1]
        #expect(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil)?.isDue == false)
        fixture.log.config.maxCompactionLagMs = 100
        #expect(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil)?.isDue == true)
    }

    @Test func aSmallOffsetMapCleansInSeveralPasses() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 200, keys: 40)
        let before = try readAll(fixture.log)
        var passes = 0
        // 30 keys fit in the map; one segment holds ~16 records, so a pass covers a segment or two.
        while let plan = fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil), plan.isDue, passes < 50 {
            try #require(try self.pass(fixture, mapMemoryBytes: 24 * 34) != nil)
            passes += 1
        }
        #expect(passes > 1)
        #expect(latest(try readAll(fixture.log).records) == latest(before.records))
        // A map too small for the first dirty segment refuses the pass.
        fixture.log.firstDirtyOffset = 0
        #expect(try self.pass(fixture, mapMemoryBytes: 24) == nil)
    }

    @Test func compressedBatchesAreKeptWholeAndProtectLaterTombstones() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        // A batch marked gzip (the cleaner never looks inside one): patch the codec bits, redo the CRC.
        var compressed = makeKeyedBatch([("a", "zipped")])
        compressed.setInteger(Int16(1), at: compressed.readerIndex + 21)
        let crc = CRC32C.checksum(compressed, range: (compressed.readerIndex + 21)..<compressed.writerIndex) ?? 0
        compressed.setInteger(crc, at: compressed.readerIndex + 17)
        _ = try fixture.log.append(compressed, now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("a", nil), ("b", "1")]), now: 1_000)
        _ = try fixture.log.append(makeKeyedBatch([("b", "2")]), now: 1_000)
        try fixture.log.roll(at: fixture.log.logEndOffset, now: 1_000)
        try self.pass(fixture, now: 5_000)
        fixture.log.firstDirtyOffset = 0
        try self.pass(fixture, now: 100_000)
        let after = try readAll(fixture.log)
        #expect(after.batches.first?.compression == .gzip && after.batches.first?.baseOffset == 0)
        #expect(after.records.map(\.description) == ["1:a=∅", "3:b=2"])
    }

    @Test func compactOnlyLogsSkipRetentionAndIdleSegmentsRoll() throws {
        var config = Self.compacted
        config.segmentMs = 50
        let fixture = try LogFixture(.disk, config: config)
        try self.fill(fixture, count: 60, keys: 3)
        let count = fixture.log.segmentCount
        #expect(try fixture.log.enforceRetention(now: 10_000_000) == 0)
        #expect(fixture.log.segmentCount == count)
        fixture.log.config.cleanupPolicy = [.compact, .delete]
        #expect(try fixture.log.enforceRetention(now: 10_000_000) > 0)
        // An idle, non-empty active segment older than segment.ms rolls; an empty one does not.
        let end = fixture.log.logEndOffset
        #expect(try fixture.log.rollIfIdle(now: Posix.nowMilliseconds() + 1_000))
        #expect(fixture.log.segmentBaseOffsets.last == end)
        #expect(try !fixture.log.rollIfIdle(now: Posix.nowMilliseconds() + 1_000))
    }

    @Test func aDamagedBatchStopsThePassAndLeavesTheLogAsItWas() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 40, keys: 3)
        try fixture.log.close()
        // Flip the last byte of the first segment's first batch (a record value, under the CRC).
        let path = "\(fixture.directory)/\(LogFileName.stem(baseOffset: 0))\(LogFileName.logSuffix)"
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = makeKeyedBatch([("k0", "v0")]).readableBytes
        try handle.seek(toOffset: UInt64(size - 1))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(size - 1))
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()
        fixture.log = try PartitionLog.open(directory: fixture.directory, config: fixture.config, logger: fixture.logs.logger)
        let segments = fixture.log.segmentBaseOffsets
        #expect(throws: LogError.self) { try self.pass(fixture) }
        #expect(!(try fixture.files()).contains { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") })
        #expect(fixture.log.segmentBaseOffsets == segments)
        #expect(fixture.log.firstDirtyOffset == 0)
    }

    @Test func aZeroCopyReaderOfAReplacedSegmentStillReadsTheOriginal() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 40, keys: 3)
        let expected = try fixture.log.read(from: 0, maxBytes: 300)
        let chunk = try fixture.log.readChunk(from: 0, maxBytes: 300, minimumFileBytes: 1)
        guard case .file(let region) = chunk else {
            Issue.record("expected a file region, got \(chunk)")
            return
        }
        defer { try? region.fileHandle.close() }
        try #require(try self.pass(fixture) != nil)
        // The segment the region reads was removed (every record in it was superseded).
        #expect(fixture.log.segmentBaseOffsets.first != 0)
        var buffer = ByteBuffer()
        let read = try region.fileHandle.withUnsafeFileDescriptor { descriptor in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: region.readableBytes) { raw in
                pread(descriptor, raw.baseAddress, region.readableBytes, off_t(region.readerIndex))
            }
        }
        #expect(read == region.readableBytes)
        #expect(buffer == expected)
    }

    @Test func inMemoryLogsAreNotCleaned() throws {
        let fixture = try LogFixture(.memory, config: Self.compacted)
        try self.fill(fixture, count: 60, keys: 3)
        #expect(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil) == nil)
    }

    // MARK: Crash safety of the swap

    /// The states a crash can leave one segment's swap in, by how many of its renames happened:
    /// the three `.cleaned` → `.swap` renames (the log's last: the commit), then the three
    /// `.swap` → final renames (log first).
    @Test(arguments: 0...6)
    func aSwapCutShortByACrashIsUndoneOrFinished(renamesDone: Int) throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 40, keys: 3)
        let before = try readAll(fixture.log)
        let plan = try #require(fixture.log.cleaningPlan(now: 5_000, firstUnstableOffset: nil))
        let result = try #require(try LogCleaner.clean(plan, aborted: [], mapMemoryBytes: 1 << 16, now: 5_000,
                                                       logger: fixture.logs.logger))
        let target = try #require(result.segments.first { !$0.isEmpty })
        // The cleaned result as a full swap would leave it, from a twin log cleaned the same way.
        let stem = "\(fixture.directory)/\(LogFileName.stem(baseOffset: target.baseOffset))"
        let steps: [(String, String)] = [
            (".index.cleaned", ".index.swap"), (".timeindex.cleaned", ".timeindex.swap"), (".log.cleaned", ".log.swap"),
            (".log.swap", ".log"), (".timeindex.swap", ".timeindex"), (".index.swap", ".index"),
        ]
        try fixture.log.close()
        // The other segments' cleaned files stay as `.cleaned`: an unfinished pass for them.
        for (from, to) in steps.prefix(renamesDone) { try Posix.rename(stem + from, to: stem + to) }
        fixture.log = try PartitionLog.open(directory: fixture.directory, config: fixture.config,
                                            logger: fixture.logs.logger)
        let after = try readAll(fixture.log)
        let names = try fixture.files()
        #expect(!names.contains { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") })
        #expect(latest(after.records) == latest(before.records))
        let range = target.baseOffset..<(fixture.log.segmentBaseOffsets.first { $0 > target.baseOffset } ?? .max)
        let inSegment = after.records.filter { range.contains($0.offset) }
        if renamesDone >= 3 {
            #expect(inSegment.count < before.records.filter { range.contains($0.offset) }.count)
        } else {
            #expect(after.records == before.records)
        }
        // Every other segment is as it was; no record appears that was not there before.
        for record in after.records { #expect(before.records.contains(record)) }
        #expect(fixture.log.firstDirtyOffset == 0)
    }

    @Test func aSegmentLeftEmptyIsRemovedAndTheLogStartMoves() throws {
        let fixture = try LogFixture(.disk, config: Self.compacted)
        try self.fill(fixture, count: 40, keys: 1)
        let bases = fixture.log.segmentBaseOffsets
        try #require(try self.pass(fixture) != nil)
        // One key: only the newest record below the active segment survives.
        let after = try readAll(fixture.log)
        #expect(fixture.log.segmentCount == 2)
        #expect(fixture.log.logStartOffset == fixture.log.segmentBaseOffsets.first)
        #expect(fixture.log.logStartOffset > 0)
        #expect(after.records.filter { $0.offset < (bases.last ?? 0) }.count == 1)
        try fixture.reopen()
        #expect(try readAll(fixture.log).records == after.records)
    }
}
