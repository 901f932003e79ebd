import KappaLog
import KappaWire
import NIOCore
import Testing

/// Core behaviour, run against both the on-disk and the in-memory log.
@Suite struct PartitionLogTests {
    @Test(arguments: StorageMode.allCases)
    func appendAssignsOffsetsAndReadReturnsTheStoredBatches(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        let first = try fixture.append(records: 3, timestamp: 100, tag: "a")
        let second = try fixture.append(records: 5, timestamp: 200, tag: "b")
        let third = try fixture.append(records: 1, timestamp: 300, tag: "c")
        #expect((first.firstOffset, first.lastOffset, first.maxTimestamp) == (0, 2, 102))
        #expect((second.firstOffset, second.lastOffset) == (3, 7))
        #expect((third.firstOffset, third.lastOffset) == (8, 8))
        #expect(second.batches.map(\.baseOffset) == [3])
        #expect(second.batches.first?.partitionLeaderEpoch == 0)
        #expect(fixture.log.logStartOffset == 0)
        #expect(fixture.log.logEndOffset == 9)

        let all = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: all) == [0...2, 3...7, 8...8])
        #expect(try values(in: all) == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2", "b-3", "b-4", "c-0"])
        let headers = try RecordBatchScanner.scan(all).map(\.header)
        #expect(headers.allSatisfy { $0.partitionLeaderEpoch == 0 })
        #expect(fixture.log.sizeInBytes == Int64(all.readableBytes))
    }

    @Test(arguments: StorageMode.allCases)
    func readFromTheMiddleOfABatchReturnsThatWholeBatch(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        for tag in ["a", "b", "c"] { try fixture.append(records: 5, tag: tag) }
        let middle = try fixture.log.read(from: 7, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: middle) == [5...9, 10...14])
        let last = try fixture.log.read(from: 14, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: last) == [10...14])
    }

    @Test(arguments: StorageMode.allCases)
    func readAtTheEndIsEmptyAndOutsideTheLogIsOutOfRange(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        #expect(try fixture.log.read(from: 0, maxBytes: 100).readableBytes == 0)
        try fixture.append(records: 2)
        #expect(try fixture.log.read(from: 2, maxBytes: 100).readableBytes == 0)
        #expect(throws: LogError.offsetOutOfRange(requested: 3, logStart: 0, logEnd: 2)) {
            try fixture.log.read(from: 3, maxBytes: 100)
        }
        #expect(throws: LogError.offsetOutOfRange(requested: -1, logStart: 0, logEnd: 2)) {
            try fixture.log.read(from: -1, maxBytes: 100)
        }
    }

    @Test(arguments: StorageMode.allCases)
    func maxBytesLimitsWholeBatchesButAlwaysReturnsOne(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        for tag in ["a", "b", "c", "d"] { try fixture.append(records: 2, tag: tag) }
        let batchSize = try RecordBatchScanner.scan(fixture.log.read(from: 0, maxBytes: 1 << 20))[0].header.totalSize

        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: batchSize * 2 + batchSize / 2))
            == [0...1, 2...3])
        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: batchSize * 2)) == [0...1, 2...3])
        #expect(try offsetRanges(in: fixture.log.read(from: 3, maxBytes: batchSize * 2 - 1)) == [2...3])
        // Smaller than one batch, even zero: the first batch still comes back whole (KIP-74).
        #expect(try offsetRanges(in: fixture.log.read(from: 5, maxBytes: 1)) == [4...5])
        #expect(try offsetRanges(in: fixture.log.read(from: 6, maxBytes: 0)) == [6...7])
    }

    @Test(arguments: StorageMode.allCases)
    func oneAppendOfSeveralBatchesAssignsConsecutiveOffsets(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        try fixture.append(records: 2)
        let request = concatenate(makeBatch(records: 3, tag: "x"), makeBatch(records: 1, tag: "y"),
                                  makeBatch(records: 4, tag: "z"))
        let info = try fixture.log.append(request, now: 0)
        #expect((info.firstOffset, info.lastOffset) == (2, 9))
        #expect(info.batches.map(\.baseOffset) == [2, 5, 6])
        #expect(try offsetRanges(in: fixture.log.read(from: 2, maxBytes: 1 << 20)) == [2...4, 5...5, 6...9])
        // The caller's buffer is left as it was (offsets are patched in a copy).
        #expect(try RecordBatchScanner.scan(request).map(\.header.baseOffset) == [0, 0, 0])
    }

    @Test(arguments: StorageMode.allCases)
    func corruptOrTruncatedAppendIsRejectedWithNothingWritten(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        try fixture.append(records: 2)
        let sizeBefore = fixture.log.sizeInBytes

        var corrupt = makeBatch(records: 3, tag: "bad")
        let lastByte = corrupt.writerIndex - 1
        corrupt.setInteger((corrupt.getInteger(at: lastByte, as: UInt8.self) ?? 0) ^ 0xFF, at: lastByte)
        let badCRC = concatenate(makeBatch(records: 1, tag: "good"), corrupt)
        #expect {
            try fixture.log.append(badCRC, now: 0)
        } throws: { error in
            guard case .corruptBatch(let why) = error as? LogError else { return false }
            return why.contains("CRC mismatch")
        }

        var truncated = makeBatch(records: 3)
        truncated.moveWriterIndex(to: truncated.writerIndex - 5)
        #expect(throws: LogError.self) { try fixture.log.append(truncated, now: 0) }

        var badMagic = makeBatch(records: 1)
        badMagic.setInteger(Int8(1), at: 16)
        #expect(throws: LogError.self) { try fixture.log.append(badMagic, now: 0) }

        #expect(fixture.log.logEndOffset == 2)
        #expect(fixture.log.sizeInBytes == sizeBefore)
        #expect(try offsetRanges(in: fixture.log.read(from: 0, maxBytes: 1 << 20)) == [0...1])
        #expect(try fixture.append(records: 1).firstOffset == 2)
    }

    @Test(arguments: StorageMode.allCases)
    func emptyAppendIsANoOp(mode: StorageMode) throws {
        let fixture = try LogFixture(mode)
        try fixture.append(records: 2)
        let info = try fixture.log.append(ByteBuffer(), now: 0)
        #expect((info.firstOffset, info.lastOffset, info.batches.count) == (2, 1, 0))
        #expect(fixture.log.logEndOffset == 2)
    }

    @Test(arguments: StorageMode.allCases)
    func rollingBySizeCreatesSegmentsAndReadsSpanThem(mode: StorageMode) throws {
        let batchSize = makeBatch(records: 2, tag: "t0").readableBytes
        let fixture = try LogFixture(mode, config: LogConfig(segmentBytes: batchSize * 3, indexIntervalBytes: 1))
        for i in 0..<10 { try fixture.append(records: 2, tag: "t\(i)") }
        #expect(fixture.log.segmentBaseOffsets == [0, 6, 12, 18])
        if mode == .disk {
            let logs = try fixture.files().filter { $0.hasSuffix(".log") }
            #expect(logs == ["00000000000000000000.log", "00000000000000000006.log", "00000000000000000012.log",
                             "00000000000000000018.log"])
            #expect(try fixture.files().contains("00000000000000000006.index"))
            #expect(try fixture.files().contains("00000000000000000006.timeindex"))
        }
        let all = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        #expect(try offsetRanges(in: all).count == 10)
        #expect(try values(in: all).first == "t0-0")
        #expect(try values(in: all).last == "t9-1")
        for offset in Int64(0)..<20 {
            let one = try fixture.log.read(from: offset, maxBytes: 1)
            #expect(try offsetRanges(in: one) == [(offset / 2 * 2)...(offset / 2 * 2 + 1)])
        }
        // A read in the middle crosses from one segment into the next.
        #expect(try offsetRanges(in: fixture.log.read(from: 10, maxBytes: batchSize * 3))
            == [10...11, 12...13, 14...15])
    }

    @Test(arguments: StorageMode.allCases)
    func rollingByTimeUsesRecordTimestamps(mode: StorageMode) throws {
        let fixture = try LogFixture(mode, config: LogConfig(segmentMs: 1_000))
        try fixture.append(records: 1, timestamp: 10_000)
        try fixture.append(records: 1, timestamp: 10_900)
        try fixture.append(records: 1, timestamp: 11_001)
        try fixture.append(records: 1, timestamp: 11_500)
        #expect(fixture.log.segmentBaseOffsets == [0, 2])
    }

    @Test(arguments: StorageMode.allCases)
    func oversizedBatchIsRejected(mode: StorageMode) throws {
        let fixture = try LogFixture(mode, config: LogConfig(segmentBytes: 200))
        #expect(throws: LogError.self) { try fixture.append(records: 1, tag: String(repeating: "x", count: 300)) }
        #expect(fixture.log.logEndOffset == 0)
    }

    @Test(arguments: StorageMode.allCases)
    func forEachBatchHeaderVisitsEveryBatch(mode: StorageMode) throws {
        let batchSize = makeBatch(records: 1).readableBytes
        let fixture = try LogFixture(mode, config: LogConfig(segmentBytes: batchSize * 2))
        for _ in 0..<5 { try fixture.append(records: 1) }
        var offsets: [Int64] = []
        fixture.log.forEachBatchHeader { offsets.append($0.baseOffset) }
        #expect(offsets == [0, 1, 2, 3, 4])
    }
}
