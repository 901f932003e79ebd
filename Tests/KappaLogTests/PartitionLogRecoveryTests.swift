import Foundation
import KappaLog
import KappaWire
import NIOCore
import Testing

/// Restart and crash recovery of the on-disk log.
@Suite struct PartitionLogRecoveryTests {
    private let segmentName = "00000000000000000000"

    private func tenBatches(config: LogConfig = LogConfig(indexIntervalBytes: 100)) throws -> LogFixture {
        let fixture = try LogFixture(.disk, config: config)
        for i in 0..<10 { try fixture.append(records: 3, timestamp: Int64(1_000 * (i + 1)), tag: "b\(i)") }
        return fixture
    }

    private func path(_ fixture: LogFixture, _ suffix: String) -> String {
        "\(fixture.directory)/\(self.segmentName)\(suffix)"
    }

    private func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
    }

    @Test func reopenAfterCloseReturnsTheSameDataAndOffsets() throws {
        let fixture = try self.tenBatches(config: LogConfig(segmentBytes: 400, indexIntervalBytes: 100))
        let before = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        let segments = fixture.log.segmentBaseOffsets
        #expect(segments.count > 1)
        try fixture.reopen()
        #expect(fixture.log.segmentBaseOffsets == segments)
        #expect(fixture.log.logEndOffset == 30)
        #expect(fixture.log.logStartOffset == 0)
        #expect(try fixture.log.read(from: 0, maxBytes: 1 << 20) == before)
        #expect(fixture.log.offset(forTimestamp: 5_500)! == (15, 6_000))
        #expect(fixture.log.maxTimestamp! == (29, 10_002))
        #expect(try fixture.append(records: 1, tag: "after").firstOffset == 30)
        #expect(fixture.logs.messages.filter { $0.level == .warning }.isEmpty)
    }

    @Test func aTornLastBatchIsTruncatedAndAppendsContinue() throws {
        let fixture = try self.tenBatches()
        let batchSize = makeBatch(records: 3, tag: "b9").readableBytes
        try fixture.log.close()
        let logPath = self.path(fixture, ".log")
        let fullSize = try self.size(logPath)
        #expect(truncate(logPath, off_t(fullSize - 17)) == 0)

        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 27)
        let data = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: data).count == 9)
        #expect(try values(in: data).last == "b8-2")
        #expect(try self.size(logPath) == fullSize - batchSize)
        let warning = fixture.logs.warnings(containing: "truncated \(batchSize - 17) bytes of a torn batch at position "
                                                + "\(fullSize - batchSize)")
        #expect(warning.count == 1)
        #expect(warning.first?.contains("recovered partition dir \(fixture.directory)") == true)

        #expect(try fixture.append(records: 2, tag: "new").firstOffset == 27)
        try fixture.reopen()
        #expect(try values(in: fixture.log.read(from: 26, maxBytes: 1 << 20)) == ["b8-0", "b8-1", "b8-2", "new-0", "new-1"])
    }

    @Test func aTornBatchThatTheLastIndexEntryPointsAtIsTruncated() throws {
        // With a 1-byte interval every batch after the first has an index entry, including the torn one.
        let fixture = try self.tenBatches(config: LogConfig(indexIntervalBytes: 1))
        try fixture.log.close()
        let logPath = self.path(fixture, ".log")
        #expect(truncate(logPath, off_t(try self.size(logPath) - 30)) == 0)
        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 27)
        #expect(fixture.logs.warnings(containing: "truncated").count == 1)
        #expect(try self.size(self.path(fixture, ".index")) == 8 * 8)
        #expect(try fixture.append(records: 1).firstOffset == 27)
        #expect(try offsetRanges(in: fixture.log.read(from: 27, maxBytes: 1)) == [27...27])
    }

    @Test func batchesLargerThanAScanChunkRecoverAndRead() throws {
        let fixture = try LogFixture(.disk, config: LogConfig(indexIntervalBytes: 1))
        for i in 0..<4 {
            _ = try fixture.log.append(makeBatch(records: 2, tag: "big\(i)", valueSize: 50_000), now: 0)
        }
        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 8)
        #expect(fixture.logs.messages.filter { $0.level == .warning }.isEmpty)
        let whole = try fixture.log.read(from: 3, maxBytes: 10)
        #expect(try offsetRanges(in: whole) == [2...3])
        #expect(whole.readableBytes > 100_000)

        try fixture.log.close()
        let logPath = self.path(fixture, ".log")
        #expect(truncate(logPath, off_t(try self.size(logPath) - 70_000)) == 0)
        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 6)
        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: 1 << 20)) == [0...1, 2...3, 4...5])
    }

    @Test func aLastBatchWithABadCRCIsTruncated() throws {
        let fixture = try self.tenBatches()
        try fixture.log.close()
        let logPath = self.path(fixture, ".log")
        let handle = try #require(FileHandle(forUpdatingAtPath: logPath))
        try handle.seek(toOffset: UInt64(try self.size(logPath) - 3))
        try handle.write(contentsOf: Data([0xAB]))
        try handle.close()

        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 27)
        #expect(fixture.logs.warnings(containing: "CRC mismatch").count == 1)
    }

    @Test func garbageAfterTheLastBatchIsTruncated() throws {
        let fixture = try self.tenBatches()
        try fixture.log.close()
        let logPath = self.path(fixture, ".log")
        let handle = try #require(FileHandle(forUpdatingAtPath: logPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0, count: 100))
        try handle.close()

        try fixture.reopen()
        #expect(fixture.log.logEndOffset == 30)
        #expect(fixture.logs.warnings(containing: "truncated 100 bytes").count == 1)
    }

    @Test func missingIndexesAreRebuiltIdentically() throws {
        let fixture = try self.tenBatches(config: LogConfig(segmentBytes: 600, indexIntervalBytes: 100))
        #expect(fixture.log.segmentCount > 1)
        try fixture.log.close()
        let indexPath = self.path(fixture, ".index")
        let timeIndexPath = self.path(fixture, ".timeindex")
        let index = try Data(contentsOf: URL(fileURLWithPath: indexPath))
        let timeIndex = try Data(contentsOf: URL(fileURLWithPath: timeIndexPath))
        #expect(!index.isEmpty && !timeIndex.isEmpty)
        try FileManager.default.removeItem(atPath: indexPath)
        try FileManager.default.removeItem(atPath: timeIndexPath)

        try fixture.reopen()
        #expect(fixture.logs.warnings(containing: "rebuilt missing index for segment \(self.segmentName)").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: indexPath)) == index)
        #expect(try Data(contentsOf: URL(fileURLWithPath: timeIndexPath)) == timeIndex)
        #expect(fixture.log.logEndOffset == 30)
        for offset in Int64(0)..<30 {
            #expect(try offsetRanges(in: fixture.log.read(from: offset, maxBytes: 1)).first?.contains(offset) == true)
        }
        #expect(fixture.log.offset(forTimestamp: 2_500)! == (6, 3_000))
    }

    @Test func missingIndexesOfTheLastSegmentAreRebuilt() throws {
        let fixture = try self.tenBatches()
        try fixture.log.close()
        try FileManager.default.removeItem(atPath: self.path(fixture, ".index"))
        try FileManager.default.removeItem(atPath: self.path(fixture, ".timeindex"))
        try fixture.reopen()
        #expect(fixture.logs.warnings(containing: "rebuilt missing index").count == 1)
        #expect(try self.size(self.path(fixture, ".index")) > 0)
        #expect(try values(in: fixture.log.read(from: 13, maxBytes: 1)) == ["b4-0", "b4-1", "b4-2"])
        #expect(fixture.log.maxTimestamp! == (29, 10_002))
    }

    @Test func inconsistentIndexesAreRebuilt() throws {
        let fixture = try self.tenBatches()
        try fixture.log.close()
        // Not a whole number of entries.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: self.path(fixture, ".index")))
        try fixture.reopen()
        #expect(fixture.logs.warnings(containing: "rebuilt inconsistent (offset index size 3").count == 1)
        #expect(try self.size(self.path(fixture, ".index")) % 8 == 0)

        try fixture.log.close()
        // Entries pointing past the end of the log.
        var entries = Data()
        for value: UInt32 in [1, 50, 2, 1_000_000] { withUnsafeBytes(of: value.bigEndian) { entries.append(contentsOf: $0) } }
        try entries.write(to: URL(fileURLWithPath: self.path(fixture, ".index")))
        try fixture.reopen()
        #expect(fixture.logs.warnings(containing: "is outside the").count == 1)
        #expect(try values(in: fixture.log.read(from: 29, maxBytes: 1)) == ["b9-0", "b9-1", "b9-2"])
        #expect(fixture.log.logEndOffset == 30)
    }

    @Test func aSecondOpenOfTheSameDirectoryIsRefused() throws {
        let fixture = try self.tenBatches()
        #expect {
            try PartitionLog.open(directory: fixture.directory, config: fixture.config, logger: fixture.logs.logger)
        } throws: { error in
            guard case .locked = error as? LogError else { return false }
            return true
        }
        try fixture.reopen()  // after close it opens again
        #expect(fixture.log.logEndOffset == 30)
    }

    @Test func deleteFromDiskRemovesTheDirectory() throws {
        let fixture = try self.tenBatches()
        try fixture.log.close()
        try fixture.log.deleteFromDisk()
        #expect(!FileManager.default.fileExists(atPath: fixture.directory))
    }

    @Test func closedLogRefusesAppendsAndReads() throws {
        let fixture = try self.tenBatches()
        try fixture.log.close()
        try fixture.log.close()
        #expect(throws: LogError.self) { try fixture.append(records: 1) }
        #expect(throws: LogError.self) { try fixture.log.read(from: 0, maxBytes: 1) }
        #expect(fixture.log.offset(forTimestamp: 0) == nil)
    }

    @Test func flushPolicies() throws {
        #expect(FlushPolicy(argument: "always") == .always)
        #expect(FlushPolicy(argument: "250") == .interval(milliseconds: 250))
        #expect(FlushPolicy(argument: "-1") == nil)
        #expect(FlushPolicy(argument: "soon") == nil)
        let config = LogConfig()
        #expect(config.segmentBytes == 1 << 30)
        #expect(config.indexIntervalBytes == 4096)
        #expect(config.retentionMs == 604_800_000)
        #expect(config.retentionBytes == nil)
        #expect(config.flush == .interval(milliseconds: 1000))
        #expect(config.maxMessageBytes == 1_048_588)

        let always = try LogFixture(.disk, config: LogConfig(flush: .always))
        try always.append(records: 2)
        let interval = try LogFixture(.disk, config: LogConfig(flush: .interval(milliseconds: 100)))
        try interval.append(records: 2, now: 1_000)
        try interval.log.flushIfDue(now: 1_050)
        try interval.log.flushIfDue(now: 1_100)
        try interval.log.flush()
        #expect(interval.log.logEndOffset == 2)
    }
}
