/// One member of a consumer group and the partitions the leader assigned to it.
public struct GroupMemberInfo: Sendable, Equatable {
    public var memberId: String
    public var clientId: String
    public var host: String
    /// Sorted.
    public var assignment: [TopicPartition]

    public init(memberId: String, clientId: String, host: String, assignment: [TopicPartition]) {
        self.memberId = memberId
        self.clientId = clientId
        self.host = host
        self.assignment = assignment
    }
}
