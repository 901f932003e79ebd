import KappaWire
import NIOCore

/// A two-record batch whose bytes were produced independently: by a from-scratch Python encoder
/// with CRC from the `crc32c` package, and identically (except partitionLeaderEpoch 0, which is
/// outside the CRC) by kafka-python 3.0.12's `DefaultRecordBatchBuilder`. CRC = 0x4D4EC7F4.
///
/// Records: (ts 1700000000000, key "k1", value "v1"), (ts +5, key null, value "hello",
/// headers h="x", n=null); producerId 1234, epoch 3, baseSequence 42.
enum RecordsGoldenBatch {
    static let crc: UInt32 = 0x4D4E_C7F4

    static let bytes: [UInt8] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4f, 0xff, 0xff, 0xff, 0xff,
        0x02, 0x4d, 0x4e, 0xc7, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x8b, 0xcf,
        0xe5, 0x68, 0x00, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x04, 0xd2, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x02, 0x14, 0x00, 0x00,
        0x00, 0x04, 0x6b, 0x31, 0x04, 0x76, 0x31, 0x00, 0x24, 0x00, 0x0a, 0x02, 0x01, 0x0a, 0x68, 0x65,
        0x6c, 0x6c, 0x6f, 0x04, 0x02, 0x68, 0x02, 0x78, 0x02, 0x6e, 0x01,
    ]

    static var buffer: ByteBuffer { ByteBuffer(bytes: Self.bytes) }

    static func builder() -> RecordBatchBuilder {
        var builder = RecordBatchBuilder(producerId: 1234, producerEpoch: 3, baseSequence: 42)
        builder.append(key: Array("k1".utf8), value: Array("v1".utf8), timestamp: 1_700_000_000_000)
        builder.append(
            key: nil,
            value: Array("hello".utf8),
            headers: [RecordHeader(key: "h", value: Array("x".utf8)), RecordHeader(key: "n", value: nil)],
            timestamp: 1_700_000_000_005
        )
        return builder
    }

    /// A simple batch of `count` records with values "v<i>" and timestamps `timestamp + i`.
    static func simple(count: Int, timestamp: Int64 = 1_000, producerId: Int64 = -1, baseSequence: Int32 = -1)
        -> ByteBuffer
    {
        var builder = RecordBatchBuilder(producerId: producerId, producerEpoch: producerId >= 0 ? 0 : -1,
                                         baseSequence: baseSequence)
        for i in 0..<count {
            builder.append(key: nil, value: Array("v\(i)".utf8), timestamp: timestamp + Int64(i))
        }
        return builder.build()
    }
}
