/// One partition in Metadata: its leader and replica sets (node ids).
public struct PartitionInfo: Sendable, Equatable {
    public var id: Int32
    /// -1 while there is no leader.
    public var leader: Int32
    public var replicas: [Int32]
    public var isrs: [Int32]

    public init(id: Int32, leader: Int32, replicas: [Int32], isrs: [Int32]) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.isrs = isrs
    }
}
