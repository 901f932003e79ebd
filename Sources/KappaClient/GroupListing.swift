/// A consumer group as ListGroups names it, before any DescribeGroups.
public struct GroupListing: Sendable, Equatable {
    public var groupId: String
    /// "Stable", "Empty", "PreparingRebalance", "CompletingRebalance", "Dead" or "Unknown".
    public var state: String
    /// "consumer" for subscribing groups, "" for groups that only commit offsets (assign-only).
    public var protocolType: String

    public init(groupId: String, state: String, protocolType: String) {
        self.groupId = groupId
        self.state = state
        self.protocolType = protocolType
    }
}
