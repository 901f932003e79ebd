import KappaWire
import NIOCore
import Testing

@Suite struct RecordsHeaderTests {
    @Test func parsesGoldenHeader() throws {
        let header = try RecordBatchHeader(parsing: RecordsGoldenBatch.buffer, at: 0)
        #expect(RecordBatchHeader.size == 61)
        #expect(header.baseOffset == 0)
        #expect(header.batchLength == 79)
        #expect(header.totalSize == 91)
        #expect(header.partitionLeaderEpoch == -1)
        #expect(header.magic == 2)
        #expect(header.crc == RecordsGoldenBatch.crc)
        #expect(header.attributes == 0)
        #expect(header.compression == .none)
        #expect(header.timestampType == .createTime)
        #expect(!header.isTransactional)
        #expect(!header.isControl)
        #expect(header.lastOffsetDelta == 1)
        #expect(header.lastOffset == 1)
        #expect(header.baseTimestamp == 1_700_000_000_000)
        #expect(header.maxTimestamp == 1_700_000_000_005)
        #expect(header.producerId == 1234)
        #expect(header.producerEpoch == 3)
        #expect(header.baseSequence == 42)
        #expect(header.lastSequence == 43)
        #expect(header.recordCount == 2)
        #expect(header.crcMatches(in: RecordsGoldenBatch.buffer, at: 0))
    }

    @Test func parsingPeeksAtAnAbsoluteIndex() throws {
        var buffer = ByteBuffer(bytes: [9, 9, 9])
        buffer.writeBytes(RecordsGoldenBatch.bytes)
        buffer.moveReaderIndex(forwardBy: 1)
        let header = try RecordBatchHeader(parsing: buffer, at: 3)
        #expect(header.recordCount == 2)
        #expect(header.crcMatches(in: buffer, at: 3))
        #expect(buffer.readerIndex == 1)
    }

    @Test func attributeBits() {
        func header(attributes: Int16) -> RecordBatchHeader {
            RecordBatchHeader(
                baseOffset: 10, batchLength: 49, partitionLeaderEpoch: 0, crc: 0, attributes: attributes,
                lastOffsetDelta: 4, baseTimestamp: 0, maxTimestamp: 0, producerId: -1, producerEpoch: -1,
                baseSequence: -1, recordCount: 5
            )
        }
        #expect(header(attributes: 4).compression == .zstd)
        #expect(header(attributes: 3).compression == .lz4)
        #expect(header(attributes: 0x08).timestampType == .logAppendTime)
        #expect(header(attributes: 0x30).isControl)
        #expect(header(attributes: 0x30).isTransactional)
        #expect(header(attributes: 0x40).hasDeleteHorizon)
        #expect(header(attributes: 0).lastOffset == 14)
        #expect(header(attributes: 0).lastSequence == -1)
    }

    static let sequenceCases: [(Int32, Int32, Int32)] = [
        (0, 0, 0),
        (5, 4, 9),
        (Int32.max, 0, Int32.max),
        (Int32.max, 1, 0),
        (Int32.max - 1, 3, 1),
    ]

    @Test(arguments: Self.sequenceCases)
    func lastSequenceWrapsLikeKafka(base: Int32, delta: Int32, expected: Int32) {
        let header = RecordBatchHeader(
            baseOffset: 0, batchLength: 49, partitionLeaderEpoch: 0, crc: 0, attributes: 0,
            lastOffsetDelta: delta, baseTimestamp: 0, maxTimestamp: 0, producerId: 1, producerEpoch: 0,
            baseSequence: base, recordCount: delta + 1
        )
        #expect(header.lastSequence == expected)
    }

    @Test func rejectsTruncatedHeader() {
        let buffer = ByteBuffer(bytes: RecordsGoldenBatch.bytes.prefix(60))
        #expect(throws: WireError.self) { try RecordBatchHeader(parsing: buffer, at: 0) }
        #expect(throws: WireError.self) { try RecordBatchHeader(parsing: RecordsGoldenBatch.buffer, at: 40) }
    }

    @Test func rejectsBadMagicLengthCodecAndCounts() {
        func mutated(at index: Int, _ bytes: [UInt8]) -> ByteBuffer {
            var copy = RecordsGoldenBatch.bytes
            copy.replaceSubrange(index..<(index + bytes.count), with: bytes)
            return ByteBuffer(bytes: copy)
        }
        let cases: [(ByteBuffer, String)] = [
            (mutated(at: 16, [1]), "magic"),
            (mutated(at: 8, [0, 0, 0, 48]), "batchLength"),
            (mutated(at: 22, [5]), "codec"),
            (mutated(at: 23, [0xFF, 0xFF, 0xFF, 0xFF]), "lastOffsetDelta"),
            (mutated(at: 57, [0x80, 0, 0, 0]), "recordCount"),
        ]
        for (buffer, what) in cases {
            #expect(throws: WireError.self, "\(what)") { try RecordBatchHeader(parsing: buffer, at: 0) }
        }
        #expect(RecordBatchHeader.peekMagic(in: mutated(at: 16, [1]), at: 0) == 1)
    }

    @Test func crcMismatchAndShortBufferAreDetected() throws {
        var bytes = RecordsGoldenBatch.bytes
        bytes[80] ^= 0x01
        let corrupt = ByteBuffer(bytes: bytes)
        #expect(throws: Never.self) { try RecordBatchHeader(parsing: corrupt, at: 0) }
        #expect(try RecordBatchHeader(parsing: corrupt, at: 0).crcMatches(in: corrupt, at: 0) == false)
        let short = ByteBuffer(bytes: RecordsGoldenBatch.bytes.dropLast())
        #expect(try RecordBatchHeader(parsing: short, at: 0).crcMatches(in: short, at: 0) == false)
    }

    @Test func patchingBaseOffsetAndEpochKeepsTheCRCValid() throws {
        var buffer = RecordsGoldenBatch.buffer
        let patched = buffer.patchRecordBatch(at: 0, baseOffset: 1_234_567, partitionLeaderEpoch: 0)
        #expect(patched)
        let header = try RecordBatchHeader(parsing: buffer, at: 0)
        #expect(header.baseOffset == 1_234_567)
        #expect(header.lastOffset == 1_234_568)
        #expect(header.partitionLeaderEpoch == 0)
        #expect(header.crcMatches(in: buffer, at: 0))
        let original = try RecordBatchHeader(parsing: RecordsGoldenBatch.buffer, at: 0)
        #expect(original.assigning(baseOffset: 1_234_567, partitionLeaderEpoch: 0) == header)
        var short = ByteBuffer(bytes: [0, 1, 2])
        let shortPatched = short.patchRecordBatch(at: 0, baseOffset: 1, partitionLeaderEpoch: 0)
        #expect(!shortPatched)
        #expect(short.readableBytesView.elementsEqual([0, 1, 2]))
    }
}
