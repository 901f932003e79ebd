/// Kafka's default partitioner for keyed records (the Java client's `Utils.murmur2`), written from the
/// algorithm's description, to check that librdkafka is configured to put keys where Java does.
enum Murmur2 {
    static func partition(for key: [UInt8], partitions: Int32) -> Int32 {
        Int32(bitPattern: Self.hash(key) & 0x7fff_ffff) % partitions
    }

    static func hash(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let blocks = data.count / 4
        for block in 0..<blocks {
            let i = block * 4
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        let remaining = data.count - tail
        if remaining >= 3 { h ^= UInt32(data[tail + 2]) << 16 }
        if remaining >= 2 { h ^= UInt32(data[tail + 1]) << 8 }
        if remaining >= 1 {
            h ^= UInt32(data[tail])
            h = h &* m
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
