import KappaWire
import NIOCore
import Testing

@Suite struct RecordsScannerTests {
    private func concatenated(_ parts: [ByteBuffer]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for var part in parts { buffer.writeBuffer(&part) }
        return buffer
    }

    @Test func splitsConcatenatedBatches() throws {
        let buffer = concatenated([
            RecordsGoldenBatch.buffer,
            RecordsGoldenBatch.simple(count: 3),
            RecordsGoldenBatch.simple(count: 1, producerId: 5, baseSequence: 0),
        ])
        let batches = try RecordBatchScanner.scan(buffer)
        #expect(batches.map(\.position) == [0, 91, 91 + batches[1].header.totalSize])
        #expect(batches.map(\.header.recordCount) == [2, 3, 1])
        #expect(batches.last?.range.upperBound == buffer.writerIndex)
        #expect(batches[2].header.producerId == 5)
    }

    @Test func scansFromTheReaderIndex() throws {
        var buffer = concatenated([ByteBuffer(bytes: [1, 2, 3, 4]), RecordsGoldenBatch.buffer])
        buffer.moveReaderIndex(forwardBy: 4)
        let batches = try RecordBatchScanner.scan(buffer)
        #expect(batches.map(\.position) == [4])
        #expect(buffer.readerIndex == 4)
    }

    @Test func emptyBufferHasNoBatches() throws {
        #expect(try RecordBatchScanner.scan(ByteBuffer()).isEmpty)
    }

    @Test func truncatedBatchIsRejected() {
        var buffer = concatenated([RecordsGoldenBatch.buffer, RecordsGoldenBatch.buffer])
        buffer.moveWriterIndex(to: buffer.writerIndex - 1)
        #expect(throws: WireError.truncated("record batch at 91: 90 of 91 bytes")) {
            try RecordBatchScanner.scan(buffer)
        }
        var headerOnly = RecordsGoldenBatch.buffer
        headerOnly.writeBytes([0, 0, 0])
        #expect(throws: WireError.self) { try RecordBatchScanner.scan(headerOnly) }
    }

    @Test func badMagicIsRejected() {
        var bytes = RecordsGoldenBatch.bytes
        bytes[16] = 1
        #expect(throws: WireError.invalid("record batch at 0: magic 1, only magic 2 is supported")) {
            try RecordBatchScanner.scan(ByteBuffer(bytes: bytes))
        }
    }

    @Test func crcMismatchIsRejectedUnlessSkipped() throws {
        var bytes = RecordsGoldenBatch.bytes
        bytes[70] ^= 0x20
        let buffer = concatenated([RecordsGoldenBatch.buffer, ByteBuffer(bytes: bytes)])
        #expect {
            try RecordBatchScanner.scan(buffer)
        } throws: { error in
            guard case .invalid(let message) = error as? WireError else { return false }
            return message.hasPrefix("record batch at 91: CRC mismatch (stored 0x4d4ec7f4")
        }
        #expect(try RecordBatchScanner.scan(buffer, verifyCRC: false).count == 2)
    }
}
