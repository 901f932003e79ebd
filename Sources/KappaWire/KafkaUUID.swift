/// Kafka's 128-bit UUID (topic ids), kept as two big-endian halves like Java's `Uuid`.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static let zero = KafkaUUID(high: 0, low: 0)

    /// A random version-4 UUID, for topic ids.
    public static func random() -> KafkaUUID {
        var generator = SystemRandomNumberGenerator()
        let randomHigh: UInt64 = generator.next()
        let randomLow: UInt64 = generator.next()
        let high = (randomHigh & ~0xF000) | 0x4000
        let low = (randomLow & ~(0xC000 << 48)) | (0x8000 << 48)
        return KafkaUUID(high: high, low: low)
    }

    public var description: String {
        let hex = String(self.high, radix: 16).leftPadded(to: 16) + String(self.low, radix: 16).leftPadded(to: 16)
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
            + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        self.count >= width ? self : String(repeating: "0", count: width - self.count) + self
    }
}
