import Foundation
import KappaLog
import KappaWire
import NIOCore
import Testing

/// Retention, DeleteRecords and timestamp lookups.
@Suite struct PartitionLogRetentionTests {
    /// Ten 2-record batches, three per segment: segments at 0, 6, 12, 18. Batch i has timestamps
    /// 1000*(i+1) and 1000*(i+1)+1.
    private func tenBatches(_ mode: StorageMode, retentionMs: Int64? = nil, retentionBytes: Int64? = nil,
                            indexIntervalBytes: Int = 4096) throws -> LogFixture
    {
        let batchSize = makeBatch(records: 2, tag: "b0").readableBytes
        let config = LogConfig(
            segmentBytes: batchSize * 3,
            segmentMs: nil,
            indexIntervalBytes: indexIntervalBytes,
            retentionMs: retentionMs,
            retentionBytes: retentionBytes
        )
        let fixture = try LogFixture(mode, config: config)
        for i in 0..<10 { try fixture.append(records: 2, timestamp: Int64(1000 * (i + 1)), tag: "b\(i)") }
        #expect(fixture.log.segmentBaseOffsets == [0, 6, 12, 18])
        return fixture
    }

    @Test(arguments: StorageMode.allCases)
    func retentionBySizeDeletesOldSegmentsButNeverTheActiveOne(mode: StorageMode) throws {
        let batchSize = Int64(makeBatch(records: 2, tag: "b0").readableBytes)
        let fixture = try self.tenBatches(mode, retentionBytes: batchSize * 4)
        // 10 batches stored, 4 allowed: like Kafka, a segment goes only if the log stays at or above
        // the limit without it, so the segments at 0 and 6 (3 batches each) go and 12 stays.
        #expect(try fixture.log.enforceRetention(now: 0) == 2)
        #expect(fixture.log.segmentBaseOffsets == [12, 18])
        #expect(fixture.log.logStartOffset == 12)
        #expect(fixture.log.sizeInBytes == batchSize * 4)
        #expect(throws: LogError.self) { try fixture.log.read(from: 11, maxBytes: 100) }
        #expect(try offsetRanges(in: fixture.log.read(from: 12, maxBytes: 1 << 20)).first == 12...13)
        if mode == .disk {
            #expect(try !fixture.files().contains("00000000000000000000.log"))
            #expect(try !fixture.files().contains("00000000000000000006.index"))
        }
        // Even a tiny limit keeps the active segment.
        fixture.log.config.retentionBytes = 1
        #expect(try fixture.log.enforceRetention(now: 0) == 1)
        #expect(fixture.log.segmentBaseOffsets == [18])
        #expect(try fixture.log.enforceRetention(now: 0) == 0)
        #expect(fixture.log.logEndOffset == 20)
    }

    @Test(arguments: StorageMode.allCases)
    func retentionByTimeDeletesSegmentsWhoseNewestRecordIsTooOld(mode: StorageMode) throws {
        let fixture = try self.tenBatches(mode, retentionMs: 5_000)
        // Segment 0 ends at 3001, segment 6 at 6001, segment 12 at 9001, 18 (active) at 10001.
        #expect(try fixture.log.enforceRetention(now: 8_002) == 1)
        #expect(fixture.log.segmentBaseOffsets == [6, 12, 18])
        #expect(try fixture.log.enforceRetention(now: 11_002) == 1)
        #expect(fixture.log.segmentBaseOffsets == [12, 18])
        #expect(try fixture.log.enforceRetention(now: 1_000_000) == 1)
        #expect(fixture.log.segmentBaseOffsets == [18], "the active segment was just written to: it stays")
        // Once it has also been idle for retention.ms (wall clock), the expired active segment is
        // rolled and deleted, as Kafka does: the log is empty from its end on, appends continue there.
        let idle = Int64(Date().timeIntervalSince1970 * 1000) + 6_000
        #expect(try fixture.log.enforceRetention(now: idle) == 1)
        #expect(fixture.log.segmentBaseOffsets == [20])
        #expect(fixture.log.logStartOffset == 20)
        #expect(try fixture.log.read(from: 20, maxBytes: 100).readableBytes == 0)
        #expect(try fixture.append(records: 1, timestamp: idle, now: idle).firstOffset == 20)
        #expect(try fixture.log.enforceRetention(now: idle) == 0, "its one record is recent")
    }

    @Test(arguments: StorageMode.allCases)
    func deleteRecordsMovesTheLogStartAndDropsSegmentsBelowIt(mode: StorageMode) throws {
        let fixture = try self.tenBatches(mode)
        try fixture.log.deleteRecords(before: 7)
        #expect(fixture.log.logStartOffset == 7)
        #expect(fixture.log.segmentBaseOffsets == [6, 12, 18])
        #expect(throws: LogError.offsetOutOfRange(requested: 6, logStart: 7, logEnd: 20)) {
            try fixture.log.read(from: 6, maxBytes: 100)
        }
        // Offset 7 is inside the batch 6...7, which is returned whole.
        #expect(try offsetRanges(in: fixture.log.read(from: 7, maxBytes: 1)) == [6...7])
        try fixture.log.deleteRecords(before: 3)  // lower: ignored
        #expect(fixture.log.logStartOffset == 7)
        try fixture.log.deleteRecords(before: 12)
        #expect(fixture.log.segmentBaseOffsets == [12, 18])
        try fixture.log.deleteRecords(before: 1_000)  // clamped to the log end
        #expect(fixture.log.logStartOffset == 20)
        #expect(fixture.log.segmentBaseOffsets == [18])
        #expect(try fixture.log.read(from: 20, maxBytes: 100).readableBytes == 0)
        #expect(try fixture.append(records: 1).firstOffset == 20)
    }

    @Test func deleteRecordsSurvivesARestart() throws {
        let fixture = try self.tenBatches(.disk)
        try fixture.log.deleteRecords(before: 9)
        try fixture.reopen()
        #expect(fixture.log.logStartOffset == 9)
        #expect(fixture.log.logEndOffset == 20)
        #expect(fixture.log.segmentBaseOffsets == [6, 12, 18])
    }

    @Test(arguments: StorageMode.allCases)
    func offsetForTimestampFindsTheFirstRecordReachingIt(mode: StorageMode) throws {
        // A 1-byte index interval puts an index entry on almost every batch, so the time index is used.
        for interval in [1, 4096] {
            let fixture = try self.tenBatches(mode, indexIntervalBytes: interval)
            // Batches of two records, timestamps (1000, 1001), (2000, 2001), ...: the answer is the
            // first record at or after the timestamp, with its own timestamp, as Kafka gives it.
            #expect(fixture.log.offset(forTimestamp: 0)! == (0, 1000))
            #expect(fixture.log.offset(forTimestamp: 1001)! == (1, 1001))
            #expect(fixture.log.offset(forTimestamp: 1002)! == (2, 2000))
            #expect(fixture.log.offset(forTimestamp: 4001)! == (7, 4001))
            #expect(fixture.log.offset(forTimestamp: 9500)! == (18, 10000))
            #expect(fixture.log.offset(forTimestamp: 10001)! == (19, 10001))
            #expect(fixture.log.offset(forTimestamp: 10002) == nil)
            try fixture.log.deleteRecords(before: 5)
            #expect(fixture.log.offset(forTimestamp: 0)! == (5, 3001))
            try fixture.log.deleteRecords(before: 7)
            #expect(fixture.log.offset(forTimestamp: 0)! == (7, 4001))
        }
    }

    @Test(arguments: StorageMode.allCases)
    func offsetForTimestampHandlesOutOfOrderTimestamps(mode: StorageMode) throws {
        let fixture = try LogFixture(mode, config: LogConfig(indexIntervalBytes: 1))
        for timestamp: Int64 in [5_000, 3_000, 9_000, 1_000, 7_000] { try fixture.append(records: 1, timestamp: timestamp) }
        #expect(fixture.log.offset(forTimestamp: 4_000)! == (0, 5_000))
        #expect(fixture.log.offset(forTimestamp: 6_000)! == (2, 9_000))
        #expect(fixture.log.offset(forTimestamp: 9_000)! == (2, 9_000))
        #expect(fixture.log.offset(forTimestamp: 9_001) == nil)
    }

    @Test(arguments: StorageMode.allCases)
    func maxTimestampNamesTheExactRecord(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        #expect(fixture.log.maxTimestamp == nil)
        try fixture.append(records: 3, timestamp: 500)
        var builder = RecordBatchBuilder()
        for timestamp: Int64 in [900, 950, 2_000, 1_500] { builder.append(key: nil, value: [1], timestamp: timestamp) }
        _ = try fixture.log.append(builder.build(), now: 0)
        try fixture.append(records: 2, timestamp: 1_000)
        #expect(fixture.log.maxTimestamp! == (5, 2_000))
    }
}
