import KappaWire
import NIOCore

/// The data every benchmark works on: the shape of the broker benchmark's traffic (100-byte records,
/// batched by librdkafka).
enum Samples {
    static let topic = "bench-topic"
    static let recordsPerBatch = 100
    static let recordSize = 100
    static let batchLabel = "batch of 100 x 100 B"

    /// One producer batch (v2, uncompressed) of `recordsPerBatch` records of `recordSize` bytes.
    static let batch: ByteBuffer = {
        var builder = RecordBatchBuilder()
        let value = Self.randomBytes(Self.recordSize)
        for index in 0..<Self.recordsPerBatch {
            builder.append(key: nil, value: value, timestamp: 1_700_000_000_000 + Int64(index))
        }
        return builder.build()
    }()

    /// Reproducible pseudo-random bytes (xorshift), so checksums do not run on zeros.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }
}
