/// Kafka's murmur2 hash, bit-for-bit as `org.apache.kafka.common.utils.Utils.murmur2`.
///
/// Java, kafka-python, aiokafka and franz-go place keyed records with it, so the broker and its
/// tests need the same function to predict (and check) which partition a key lands on.
public enum Murmur2 {
    static let seed: UInt32 = 0x9747_B28C
    static let m: UInt32 = 0x5BD1_E995
    static let r: UInt32 = 24

    /// The signed 32-bit murmur2 hash of `bytes` (Java's `Utils.murmur2`).
    public static func hash(_ bytes: [UInt8]) -> Int32 {
        let length = bytes.count
        var h = Self.seed ^ UInt32(truncatingIfNeeded: length)
        var index = 0
        while length - index >= 4 {
            var k = UInt32(bytes[index])
                | UInt32(bytes[index + 1]) << 8
                | UInt32(bytes[index + 2]) << 16
                | UInt32(bytes[index + 3]) << 24
            k &*= Self.m
            k ^= k >> Self.r
            k &*= Self.m
            h &*= Self.m
            h ^= k
            index += 4
        }
        // Tail: Java's switch falls through from 3 to 1.
        let remaining = length - index
        if remaining == 3 { h ^= UInt32(bytes[index + 2]) << 16 }
        if remaining >= 2 { h ^= UInt32(bytes[index + 1]) << 8 }
        if remaining >= 1 {
            h ^= UInt32(bytes[index])
            h &*= Self.m
        }
        h ^= h >> 13
        h &*= Self.m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition Java's default partitioner picks for a non-null key:
    /// `(murmur2(key) & 0x7fffffff) % partitionCount`. Returns 0 if `partitionCount` is not positive.
    public static func partition(for key: [UInt8], partitionCount: Int32) -> Int32 {
        guard partitionCount > 0 else { return 0 }
        return (Self.hash(key) & 0x7FFF_FFFF) % partitionCount
    }
}
