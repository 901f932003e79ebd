import KappaWire
import Testing

@Suite struct Murmur2Tests {
    /// The seven rows of protocol.md §8 (the first six are also in Kafka's `UtilsTest.testMurmur2`).
    static let vectors: [([UInt8], Int32, Int32, Int32)] = [
        (Array("21".utf8), -973_932_308, 0, 0),
        (Array("foobar".utf8), -790_332_482, 0, 0),
        (Array("abc".utf8), 479_470_107, 0, 3),
        (Array("a-little-bit-longer-string".utf8), -1_486_304_829, 2, 5),
        (Array("hello".utf8), 2_132_663_229, 0, 3),
        ([], 275_646_681, 0, 3),
        ([0, 1, 2, 3, 4, 5, 6], -1_488_168_820, 1, 4),
    ]

    @Test(arguments: Self.vectors)
    func javaCompatibleVectors(key: [UInt8], hash: Int32, partitionOf3: Int32, partitionOf6: Int32) {
        #expect(Murmur2.hash(key) == hash)
        #expect(Murmur2.partition(for: key, partitionCount: 3) == partitionOf3)
        #expect(Murmur2.partition(for: key, partitionCount: 6) == partitionOf6)
    }

    @Test func nonPositivePartitionCountDoesNotTrap() {
        #expect(Murmur2.partition(for: [1], partitionCount: 0) == 0)
    }
}
