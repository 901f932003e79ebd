/// A topic as the cluster's Metadata describes it.
public struct TopicInfo: Sendable, Equatable {
    public var name: String
    /// Sorted by partition id.
    public var partitions: [PartitionInfo]

    public init(name: String, partitions: [PartitionInfo]) {
        self.name = name
        self.partitions = partitions
    }
}
