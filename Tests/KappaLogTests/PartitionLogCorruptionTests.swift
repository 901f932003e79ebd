import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import Testing

/// Damage to stored data found after a restart: a read serves what precedes a bad batch, fails at
/// it (`LogError.corruptBatch`), says so once in the log, and goes on past it.
@Suite struct PartitionLogCorruptionTests {
    /// Ten batches of three records ("b<i>-<j>"), several segments of four batches or fewer.
    private func tenBatches(segmentBytes: Int = 1 << 30, indexIntervalBytes: Int = 100) throws -> LogFixture {
        let config = LogConfig(segmentBytes: segmentBytes, indexIntervalBytes: indexIntervalBytes)
        let fixture = try LogFixture(.disk, config: config)
        for i in 0..<10 { try fixture.append(records: 3, timestamp: Int64(1_000 * (i + 1)), tag: "b\(i)") }
        return fixture
    }

    private var batchSize: Int { makeBatch(records: 3, tag: "b0").readableBytes }

    private func logPath(_ fixture: LogFixture, base: Int64) -> String {
        "\(fixture.directory)/\(String(format: "%020lld", base)).log"
    }

    /// XORs one byte of a file with 0xFF.
    private func flip(_ path: String, at position: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(position))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(position))
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
    }

    private func errors(_ fixture: LogFixture, containing text: String) -> [String] {
        fixture.logs.messages.filter { $0.level == .error && $0.text.contains(text) }.map(\.text)
    }

    @Test func aFlippedByteInAnOlderSegmentIsFoundByTheFirstReadThatServesIt() throws {
        // Four batches per segment: segments at 0, 12, 24.
        let fixture = try self.tenBatches(segmentBytes: self.batchSize * 4)
        #expect(fixture.log.segmentBaseOffsets == [0, 12, 24])
        try fixture.log.close()
        // Batch 1 (offsets 3...5) of the first segment: a byte of its last record's value.
        let path = self.logPath(fixture, base: 0)
        try self.flip(path, at: 2 * self.batchSize - 3)
        try fixture.reopen()
        // Opening does not scan older segments.
        #expect(fixture.logs.messages.filter { $0.level >= .warning }.isEmpty)

        let before = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        #expect(try values(in: before) == ["b0-0", "b0-1", "b0-2"])
        let reported = self.errors(fixture, containing: "corrupt record batch in \(path) at position \(self.batchSize)")
        #expect(reported.count == 1)
        #expect(reported.first?.contains("offsets 3...5") == true)
        #expect(reported.first?.contains("CRC-32C mismatch") == true)

        for offset: Int64 in [3, 4, 5] {
            #expect(throws: LogError.self) { try fixture.log.read(from: offset, maxBytes: 1 << 20) }
        }
        // Reported once, however often a consumer retries.
        #expect(self.errors(fixture, containing: "corrupt record batch").count == 1)
        // Past it everything is served, across segments.
        let after = try fixture.log.read(from: 6, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: after).first == 6...8)
        #expect(try values(in: fixture.log.read(from: 27, maxBytes: 1 << 20)) == ["b9-0", "b9-1", "b9-2"])
        #expect(try fixture.append(records: 1, tag: "new").firstOffset == 30)
    }

    @Test func aReadSpanningSegmentsStopsBeforeADamagedBatchInTheNextOne() throws {
        let fixture = try self.tenBatches(segmentBytes: self.batchSize * 4)
        try fixture.log.close()
        let second = self.logPath(fixture, base: 12)
        try self.flip(second, at: self.batchSize - 1)  // the first batch of the second segment
        try fixture.reopen()
        let read = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: read) == [0...2, 3...5, 6...8, 9...11])
        #expect(throws: LogError.self) { try fixture.log.read(from: 12, maxBytes: 1 << 20) }
        #expect(self.errors(fixture, containing: "corrupt record batch in \(second) at position 0").count == 1)
    }

    @Test func aGarbledHeaderInAnOlderSegmentStopsReadsThereAndKeepsLaterSegments() throws {
        let fixture = try self.tenBatches(segmentBytes: self.batchSize * 4)
        try fixture.log.close()
        let path = self.logPath(fixture, base: 0)
        try self.flip(path, at: 2 * self.batchSize + 16)  // magic byte of batch 2 (offsets 6...8)
        try fixture.reopen()
        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: 1 << 20)) == [0...2, 3...5])
        #expect(throws: LogError.self) { try fixture.log.read(from: 6, maxBytes: 1 << 20) }
        #expect(self.errors(fixture, containing: "at position \(2 * self.batchSize)").count == 1)
        #expect(try offsetRanges(in: fixture.log.read(from: 12, maxBytes: 1 << 20)).first == 12...14)
        #expect(fixture.log.segmentBaseOffsets == [0, 12, 24])
        #expect(fixture.log.logEndOffset == 30)
    }

    @Test func aTruncatedOlderSegmentKeepsTheSegmentsAfterIt() throws {
        let fixture = try self.tenBatches(segmentBytes: self.batchSize * 4)
        try fixture.log.close()
        let path = self.logPath(fixture, base: 0)
        #expect(truncate(path, off_t(3 * self.batchSize + 20)) == 0)  // batch 3 (offsets 9...11) torn
        try fixture.reopen()
        #expect(fixture.log.segmentBaseOffsets == [0, 12, 24])
        #expect(fixture.log.logEndOffset == 30)
        #expect(fixture.logs.warnings(containing: "offsets in between are unreadable or lost").count == 1)
        let ranges = try offsetRanges(in: fixture.log.read(from: 0, maxBytes: 1 << 20))
        #expect(ranges.prefix(4) == [0...2, 3...5, 6...8, 12...14])
        // The lost offsets are skipped: a read there gets the next segment's first batch.
        #expect(try offsetRanges(in: fixture.log.read(from: 9, maxBytes: 1)) == [12...14])
    }

    @Test func damageInTheActiveSegmentWithValidBatchesAfterItIsKeptNotTruncated() throws {
        // One index entry only (a huge interval): recovery rescans the whole active segment.
        let fixture = try self.tenBatches(indexIntervalBytes: 1 << 20)
        try fixture.log.close()
        let path = self.logPath(fixture, base: 0)
        try self.flip(path, at: 5 * self.batchSize - 2)  // batch 4, offsets 12...14
        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 30)
        #expect(fixture.logs.warnings(containing: "truncated").isEmpty)
        let line = "corrupt record batch in \(path) at position \(4 * self.batchSize)"
        let reported = self.errors(fixture, containing: line)
        #expect(reported.count == 1)
        #expect(reported.first?.contains("offsets 12...14") == true)

        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: 1 << 20)).last == 9...11)
        #expect(throws: LogError.self) { try fixture.log.read(from: 13, maxBytes: 1 << 20) }
        #expect(try values(in: fixture.log.read(from: 15, maxBytes: 1 << 20)).first == "b5-0")
        // Reported by recovery; reads do not repeat it.
        #expect(self.errors(fixture, containing: "corrupt record batch").count == 1)
        #expect(try fixture.append(records: 1).firstOffset == 30)
    }

    @Test func anIndexEntryPointingAtTheWrongPlaceIsIgnored() throws {
        let fixture = try self.tenBatches(indexIntervalBytes: 1)
        try fixture.log.close()
        // Move the third entry (batch 3, offsets 9...11) one byte on: still in order, so it passes the
        // checks at open, but no batch starts there.
        let indexPath = "\(fixture.directory)/\(String(format: "%020lld", 0)).index"
        var entries = try #require(FileManager.default.contents(atPath: indexPath))
        let position = entries.withUnsafeBytes { raw in
            Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * 8 + 4, as: Int32.self))
        }
        #expect(position == Int32(3 * self.batchSize))
        withUnsafeBytes(of: (position + 1).bigEndian) { entries.replaceSubrange((2 * 8 + 4)..<(2 * 8 + 8), with: $0) }
        try entries.write(to: URL(fileURLWithPath: indexPath))
        try fixture.reopen()
        for offset: Int64 in 0..<30 {
            let read = try fixture.log.read(from: offset, maxBytes: 1)
            #expect(try offsetRanges(in: read).first?.contains(offset) == true)
        }
        #expect(fixture.logs.messages.filter { $0.level == .error }.isEmpty)
    }

    @Test func dataAppendedByThisProcessIsServedWithoutBeingCheckedAgain() throws {
        // A byte flipped behind the log's back in data it appended itself is not looked for: its CRC
        // was checked when it was produced. (What a restart finds on disk is; see the tests above.)
        let fixture = try self.tenBatches()
        let path = self.logPath(fixture, base: 0)
        try self.flip(path, at: self.batchSize - 1)
        let read = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        #expect(try RecordBatchScanner.scan(read, verifyCRC: false).count == 10)
        #expect(fixture.logs.messages.filter { $0.level == .error }.isEmpty)
    }
}
