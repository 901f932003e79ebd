import KappaWire
import NIOCore
import Testing

@Suite struct RecordsCodecTests {
    @Test func builderMatchesGoldenBytes() {
        let built = RecordsGoldenBatch.builder().build()
        #expect(Array(built.readableBytesView) == RecordsGoldenBatch.bytes)
    }

    @Test func goldenBatchDecodes() throws {
        let batch = try RecordBatch(parsing: RecordsGoldenBatch.buffer, at: 0)
        #expect(batch.header.crc == RecordsGoldenBatch.crc)
        #expect(batch.records.count == 2)
        let first = try #require(batch.records.first)
        #expect(first.key == Array("k1".utf8))
        #expect(first.value == Array("v1".utf8))
        #expect(first.headers.isEmpty)
        #expect(batch.timestamp(of: first) == 1_700_000_000_000)
        let second = batch.records[1]
        #expect(second.key == nil)
        #expect(second.value == Array("hello".utf8))
        #expect(second.headers == [RecordHeader(key: "h", value: Array("x".utf8)), RecordHeader(key: "n", value: nil)])
        #expect(batch.offset(of: second) == 1)
        #expect(batch.timestamp(of: second) == 1_700_000_000_005)
    }

    @Test func recordRoundTrip() throws {
        let records = [
            Record(timestampDelta: 0, offsetDelta: 0, key: nil, value: nil),
            Record(timestampDelta: -5, offsetDelta: 1, key: [], value: []),
            Record(
                attributes: 0,
                timestampDelta: Int64(Int32.max) * 4,
                offsetDelta: 300,
                key: [UInt8](repeating: 7, count: 200),
                value: [UInt8](repeating: 9, count: 70_000),
                headers: [RecordHeader(key: "ünïcödé", value: [1, 2]), RecordHeader(key: "", value: nil)]
            ),
        ]
        for record in records {
            var buffer = ByteBuffer()
            record.encode(into: &buffer)
            #expect(buffer.readableBytes == record.encodedSize)
            let decoded = try Record(decoding: &buffer)
            #expect(decoded == record)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func batchRoundTripWithExplicitFields() throws {
        let records = (0..<5).map {
            Record(timestampDelta: Int64($0 * 10), offsetDelta: Int32($0), key: [UInt8($0)], value: Array("value \($0)".utf8))
        }
        var buffer = ByteBuffer()
        buffer.writeString("prefix")
        let header = RecordBatch.encode(
            records: records,
            baseTimestamp: 5_000,
            baseOffset: 77,
            partitionLeaderEpoch: 3,
            attributes: 0x10,
            producerId: 9,
            producerEpoch: 2,
            baseSequence: 100,
            into: &buffer
        )
        #expect(header.totalSize == buffer.readableBytes - 6)
        #expect(header.maxTimestamp == 5_040)
        #expect(header.lastOffset == 81)
        #expect(header.isTransactional)
        let decoded = try RecordBatch(parsing: buffer, at: 6)
        #expect(decoded.header == header)
        #expect(decoded.records == records)
        #expect(try RecordBatchHeader(parsing: buffer, at: 6) == header)
    }

    @Test func decodeAllSplitsConcatenatedBatches() throws {
        var buffer = RecordsGoldenBatch.simple(count: 3)
        var second = RecordsGoldenBatch.simple(count: 2, timestamp: 9_000)
        buffer.writeBuffer(&second)
        let batches = try RecordBatch.decodeAll(buffer)
        #expect(batches.map(\.records.count) == [3, 2])
        #expect(batches[1].records.map { batches[1].timestamp(of: $0) } == [9_000, 9_001])
    }

    @Test func emptyBuilderProducesAValidEmptyBatch() throws {
        let buffer = RecordBatchBuilder().build()
        let batch = try RecordBatch(parsing: buffer, at: 0)
        #expect(batch.records.isEmpty)
        #expect(batch.header.recordCount == 0)
        #expect(batch.header.lastOffsetDelta == 0)
    }

    @Test func compressedBatchIsNotDecoded() throws {
        var bytes = RecordsGoldenBatch.bytes
        bytes[22] = 0x01  // gzip; re-CRC so only the codec is wrong
        let crc = bytes[21...].withUnsafeBytes { CRC32C.checksum($0) }
        bytes.replaceSubrange(17..<21, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        let buffer = ByteBuffer(bytes: bytes)
        #expect(try RecordBatchHeader(parsing: buffer, at: 0).compression == .gzip)
        #expect(throws: WireError.self) { try RecordBatch(parsing: buffer, at: 0) }
    }

    @Test func malformedRecordsThrowInsteadOfTrapping() {
        let cases: [[UInt8]] = [
            [],  // no length
            [0x80],  // unterminated varint
            [0x01],  // length 0x01 zigzag = -1
            [0x0A, 0x00],  // length 5, only 1 byte
            [0x06, 0x00, 0x00, 0x00],  // length 3 then truncated key
            [0x0C, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02],  // key length -2
            [0x0C, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01],  // header count -1
            [0x0E, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01],  // null header key
            [0x12, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02, 0xFF, 0x01],  // non-UTF-8 header key
            [0x0E, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00],  // one byte more than the fields
        ]
        for bytes in cases {
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: WireError.self, "\(bytes)") { try Record(decoding: &buffer) }
        }
    }
}
