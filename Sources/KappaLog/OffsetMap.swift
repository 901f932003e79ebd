/// The cleaner's key → latest-offset map (Kafka's `SkimpyOffsetMap`): a fixed-size open-addressing
/// table of 128-bit key hashes and offsets, so cleaning a log with any number of keys uses a
/// bounded amount of memory (`log.cleaner.dedupe.buffer.size`). Keys themselves are not stored.
///
/// Like Kafka (which keeps 16-byte MD5 digests), two keys whose 128-bit hashes collide are taken
/// to be the same key; with a per-process random seed the chance is about n²/2¹²⁹, which no real
/// log reaches. A full map refuses new keys (`put` returns `false`) rather than growing: the
/// cleaner then cleans only up to the last segment that fit, and the rest in a later pass.
public struct OffsetMap: Sendable {
    /// Bytes per slot: two 64-bit hash halves and the offset.
    public static let bytesPerEntry = 24
    /// Share of the slots that may be filled before the map counts as full (Kafka's
    /// `log.cleaner.io.buffer.load.factor`, 0.9): beyond it linear probing slows down sharply.
    public static let loadFactor = 0.9

    private var hashHigh: [UInt64]
    private var hashLow: [UInt64]
    /// -1 marks an empty slot (offsets are never negative).
    private var offsets: [Int64]
    /// Keys currently held.
    public private(set) var count = 0
    /// Keys the map accepts at most.
    public let capacity: Int
    /// The largest offset `put` was given (the end of what the map covers).
    public private(set) var latestOffset: Int64 = -1

    /// A map of about `memoryBytes` (at least 1 slot).
    public init(memoryBytes: Int) {
        let slots = max(1, memoryBytes / Self.bytesPerEntry)
        self.hashHigh = Array(repeating: 0, count: slots)
        self.hashLow = Array(repeating: 0, count: slots)
        self.offsets = Array(repeating: -1, count: slots)
        self.capacity = max(1, Int(Double(slots) * Self.loadFactor))
    }

    /// Slots allocated (memory use is `slots * bytesPerEntry`).
    public var slots: Int { self.offsets.count }

    /// Whether `count` has reached `capacity` (no new key can be added).
    public var isFull: Bool { self.count >= self.capacity }

    /// Records `offset` as the latest offset of `key`. Returns `false` (and changes nothing) when
    /// the key is new and the map is full.
    @discardableResult
    public mutating func put(key: [UInt8], offset: Int64) -> Bool {
        let (high, low) = Self.hash(key)
        var slot = Int(truncatingIfNeeded: high % UInt64(self.slots))
        var probes = 0
        while self.offsets[slot] >= 0 {
            if self.hashHigh[slot] == high, self.hashLow[slot] == low {
                self.offsets[slot] = max(self.offsets[slot], offset)
                self.latestOffset = max(self.latestOffset, offset)
                return true
            }
            probes += 1
            // Every slot taken (only a map of a slot or two gets here: `capacity` leaves room).
            if probes == self.slots { return false }
            slot += 1
            if slot == self.slots { slot = 0 }
        }
        guard !self.isFull else { return false }
        self.hashHigh[slot] = high
        self.hashLow[slot] = low
        self.offsets[slot] = offset
        self.count += 1
        self.latestOffset = max(self.latestOffset, offset)
        return true
    }

    /// The latest offset recorded for `key`, or `nil` if the key is not in the map.
    public func get(key: [UInt8]) -> Int64? {
        let (high, low) = Self.hash(key)
        var slot = Int(truncatingIfNeeded: high % UInt64(self.slots))
        var probes = 0
        while self.offsets[slot] >= 0, probes < self.slots {
            if self.hashHigh[slot] == high, self.hashLow[slot] == low { return self.offsets[slot] }
            slot += 1
            if slot == self.slots { slot = 0 }
            probes += 1
        }
        return nil
    }

    /// Empties the map, keeping its memory.
    public mutating func clear() {
        for index in self.offsets.indices { self.offsets[index] = -1 }
        self.count = 0
        self.latestOffset = -1
    }

    /// Two independently seeded 64-bit SipHash values of `key` (Swift's `Hasher`, seeded randomly
    /// per process; the map never outlives the process, so stability across runs is not needed).
    static func hash(_ key: [UInt8]) -> (UInt64, UInt64) {
        var first = Hasher()
        first.combine(0x6B61_7070_6131 as UInt64)
        key.withUnsafeBytes { first.combine(bytes: $0) }
        var second = Hasher()
        second.combine(0x636C_6561_6E32 as UInt64)
        key.withUnsafeBytes { second.combine(bytes: $0) }
        return (UInt64(bitPattern: Int64(first.finalize())), UInt64(bitPattern: Int64(second.finalize())))
    }
}
