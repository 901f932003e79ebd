/// A consumer group as DescribeGroups reports it.
public struct GroupInfo: Sendable, Equatable {
    public var groupId: String
    public var state: String
    /// The partition assignor the members agreed on ("range", "roundrobin", ...), "" when empty.
    public var protocolName: String
    /// Sorted by member id.
    public var members: [GroupMemberInfo]

    public init(groupId: String, state: String, protocolName: String, members: [GroupMemberInfo]) {
        self.groupId = groupId
        self.state = state
        self.protocolName = protocolName
        self.members = members
    }
}
