import KappaWire
import NIOCore
import Testing

@Suite struct CRC32CTests {
    /// Values cross-checked with Python's `crc32c` package and RFC 3720 B.4.
    static let vectors: [([UInt8], UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        (Array("The quick brown fox jumps over the lazy dog".utf8), 0x2262_0404),
        (Array("a".utf8), 0xC1D0_4330),
        ([], 0),
    ]

    @Test(arguments: Self.vectors)
    func standardVectors(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    /// The slice-by-8 loop must agree with a bytewise reference at every length and alignment.
    @Test func matchesBitwiseReferenceAtEveryLengthAndOffset() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for length in stride(from: 0, through: data.count - start, by: 7) {
                let slice = Array(data[start..<(start + length)])
                #expect(CRC32C.checksum(slice) == Self.bitwise(slice), "start \(start) length \(length)")
            }
        }
    }

    @Test func seedContinuesAChecksum() {
        let whole = Array("hello, kappa world".utf8)
        let first = CRC32C.checksum(whole[..<7])
        #expect(CRC32C.checksum(whole[7...], seed: first) == CRC32C.checksum(whole))
    }

    @Test func byteBufferRange() {
        var buffer = ByteBuffer()
        buffer.writeString("xx123456789yy")
        #expect(CRC32C.checksum(buffer, range: 2..<11) == 0xE306_9283)
        #expect(CRC32C.checksum(buffer, range: 2..<14) == nil)
        buffer.moveReaderIndex(forwardBy: 3)
        #expect(CRC32C.checksum(buffer, range: 2..<11) == nil)
    }

    private static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
        }
        return ~crc
    }
}
