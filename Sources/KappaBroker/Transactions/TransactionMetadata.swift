/// What the coordinator knows of one transactional id (Kafka's `TransactionMetadata`): the producer
/// id and epoch it hands out, and the open transaction's partitions and start.
struct TransactionMetadata: Sendable, Equatable {
    /// A partition of a transaction. Offsets added by AddOffsetsToTxn appear as a partition of
    /// `__consumer_offsets`, as Kafka lists them.
    struct Member: Hashable, Comparable, Sendable {
        var topic: String
        var partition: Int32
        static func < (a: Member, b: Member) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
    }

    static let offsetsTopic = "__consumer_offsets"
    /// Kafka's default `offsets.topic.num.partitions`: the partition a group's offsets map to.
    static let offsetsTopicPartitions: Int32 = 50

    var transactionalId: String
    var producerId: Int64
    var producerEpoch: Int16
    /// The epoch before the last bump, so a retried InitProducerId is answered, not fenced (KIP-360).
    var lastProducerEpoch: Int16 = -1
    var timeoutMs: Int32
    var state: TransactionState
    var partitions: Set<Member> = []
    /// Groups whose offsets the open transaction carries (in memory only: the log has their partitions).
    var groups: Set<String> = []
    var startTimestamp: Int64 = -1
    var lastUpdateTimestamp: Int64

    /// The epoch is spent: the next bump takes a new producer id.
    var isEpochExhausted: Bool { self.producerEpoch >= Int16.max - 1 }

    /// The `__consumer_offsets` partition a group maps to (Java's `abs(groupId.hashCode) % 50`).
    static func offsetsPartition(for group: String) -> Int32 {
        var hash: Int32 = 0
        for unit in group.utf16 { hash = hash &* 31 &+ Int32(unit) }
        let positive = hash == Int32.min ? 0 : abs(hash)
        return positive % Self.offsetsTopicPartitions
    }

    /// Whether the open transaction has run past its timeout at `now`.
    func hasTimedOut(now: Int64) -> Bool {
        self.state == .ongoing && self.startTimestamp >= 0 && now - self.startTimestamp > Int64(self.timeoutMs)
    }

    /// The data partitions (markers go to these; the offsets partitions are the offset store's).
    var dataPartitions: [Member] { self.partitions.filter { $0.topic != Self.offsetsTopic }.sorted() }
}
