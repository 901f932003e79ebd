/// The offsets of the selected topic at one moment; the controller sends one about every second.
///
/// Successive snapshots' end offsets give the messages-per-second rate and its sparkline.
public struct OffsetsSnapshot: Equatable, Sendable {
    public var topic: String
    public var partitions: [PartitionSummary]
    public var groups: [GroupOffsets]
    /// Milliseconds since the Unix epoch (a monotonic-ish clock is fine: only differences are used).
    public var takenAt: Int64

    public init(topic: String, partitions: [PartitionSummary], groups: [GroupOffsets], takenAt: Int64) {
        self.topic = topic
        self.partitions = partitions
        self.groups = groups
        self.takenAt = takenAt
    }
}
