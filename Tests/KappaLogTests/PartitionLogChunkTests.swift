#if canImport(Glibc)
import Glibc
#endif
import KappaLog
import KappaWire
import NIOCore
import Testing

/// `readChunk`: large reads of data this process appended come back as file regions (sent with
/// `sendfile`), holding exactly the bytes `read` returns; everything else is read as before.
@Suite struct PartitionLogChunkTests {
    /// 60 batches of 4 records with 200-byte values (about 1 KB each), several indexed per 4 KiB.
    private func sixtyBatches(_ mode: StorageMode = .disk, segmentBytes: Int = 1 << 30) throws -> LogFixture {
        let config = LogConfig(segmentBytes: segmentBytes, indexIntervalBytes: 4096)
        let fixture = try LogFixture(mode, config: config)
        for i in 0..<60 {
            _ = try fixture.log.append(makeBatch(records: 4, timestamp: Int64(1_000 + i), tag: "b\(i)", valueSize: 200),
                                   now: 1_000)
        }
        return fixture
    }

    /// The chunk's bytes (a region is read back from its file, then its handle closed), and whether
    /// it was a region.
    private func contents(_ chunk: LogChunk) throws -> (bytes: ByteBuffer, isFile: Bool) {
        switch chunk {
        case .bytes(let bytes):
            return (bytes, false)
        case .file(let region):
            defer { try? region.fileHandle.close() }
            var buffer = ByteBuffer()
            _ = try region.fileHandle.withUnsafeFileDescriptor { descriptor in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: region.readableBytes) { raw in
                    pread(descriptor, raw.baseAddress, region.readableBytes, off_t(region.readerIndex))
                }
            }
            #expect(buffer.readableBytes == region.readableBytes)
            return (buffer, true)
        }
    }

    @Test func largeReadsAreFileRegionsHoldingWhatReadReturns() throws {
        let fixture = try self.sixtyBatches()
        let batch = makeBatch(records: 4, tag: "b0", valueSize: 200).readableBytes
        // Budgets below one batch, between batches, at an exact multiple, past an index entry, past the end.
        let budgets = [1, batch - 1, batch, 3 * batch + 17, 10 * batch, 4096 * 3 + 5, 1 << 20]
        for offset: Int64 in [0, 1, 4, 37, 120, 236, 239] {
            for budget in budgets {
                let expected = try fixture.log.read(from: offset, maxBytes: budget)
                let (bytes, isFile) = try self.contents(
                    fixture.log.readChunk(from: offset, maxBytes: budget, minimumFileBytes: 0))
                #expect(isFile, "offset \(offset), budget \(budget)")
                #expect(bytes == expected, "offset \(offset), budget \(budget)")
            }
        }
        let (last, _) = try self.contents(fixture.log.readChunk(from: 239, maxBytes: 1, minimumFileBytes: 0))
        #expect(try values(in: last) == (0..<4).map { "b59-\($0)".padding(toLength: 200, withPad: ".", startingAt: 0) })
    }

    @Test func readsBelowTheMinimumAreCopied() throws {
        let fixture = try self.sixtyBatches()
        let batch = makeBatch(records: 4, tag: "b0", valueSize: 200).readableBytes
        let small = try fixture.log.readChunk(from: 0, maxBytes: 2 * batch, minimumFileBytes: 2 * batch + 1)
        guard case .bytes(let bytes) = small else { Issue.record("expected bytes, got \(small)"); return }
        #expect(try offsetRanges(in: bytes) == [0...3, 4...7])
        let atEnd = try fixture.log.readChunk(from: 240, maxBytes: 1 << 20, minimumFileBytes: 0)
        #expect(atEnd.byteCount == 0)
        #expect(throws: LogError.self) { try fixture.log.readChunk(from: 241, maxBytes: 1 << 20, minimumFileBytes: 0) }
    }

    @Test func memoryLogsAreAlwaysCopied() throws {
        let fixture = try self.sixtyBatches(.memory)
        let chunk = try fixture.log.readChunk(from: 0, maxBytes: 1 << 20, minimumFileBytes: 0)
        guard case .bytes(let bytes) = chunk else { Issue.record("expected bytes, got \(chunk)"); return }
        #expect(bytes == (try fixture.log.read(from: 0, maxBytes: 1 << 20)))
    }

    @Test func aRegionStopsAtTheEndOfItsSegment() throws {
        let batch = makeBatch(records: 4, tag: "b0", valueSize: 200).readableBytes
        let fixture = try self.sixtyBatches(segmentBytes: 10 * batch)
        let (first, isFile) = try self.contents(fixture.log.readChunk(from: 0, maxBytes: 1 << 20, minimumFileBytes: 0))
        #expect(isFile)
        let ranges = try offsetRanges(in: first)
        #expect(ranges.first == 0...3)
        #expect(ranges.count == 10)
        let (next, _) = try self.contents(fixture.log.readChunk(from: 40, maxBytes: 1 << 20, minimumFileBytes: 0))
        #expect(try offsetRanges(in: next).first == 40...43)
    }

    @Test func dataFoundOnDiskIsCopiedSoItsCRCIsChecked() throws {
        let fixture = try self.sixtyBatches()
        try fixture.reopen()
        let chunk = try fixture.log.readChunk(from: 0, maxBytes: 1 << 20, minimumFileBytes: 0)
        guard case .bytes = chunk else { Issue.record("expected bytes, got \(chunk)"); return }
        _ = try fixture.log.append(makeBatch(records: 4, tag: "new", valueSize: 200), now: 2_000)
        let appended = try fixture.log.readChunk(from: 240, maxBytes: 1 << 20, minimumFileBytes: 0)
        guard case .file = appended else { Issue.record("expected a region, got \(appended)"); return }
        #expect(try values(in: self.contents(appended).bytes).first?.hasPrefix("new-0") == true)
    }

    @Test func aRegionOutlivesTheLog() throws {
        let fixture = try self.sixtyBatches()
        let expected = try fixture.log.read(from: 0, maxBytes: 1 << 20)
        let chunk = try fixture.log.readChunk(from: 0, maxBytes: 1 << 20, minimumFileBytes: 0)
        // A topic deleted (files closed and removed) while the answer is being sent.
        try fixture.log.deleteFromDisk()
        #expect(try self.contents(chunk).bytes == expected)
    }
}
