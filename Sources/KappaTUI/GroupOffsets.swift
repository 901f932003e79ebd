/// One consumer group's position on the selected topic, for the Offsets pane.
public struct GroupOffsets: Equatable, Sendable {
    public var group: String
    /// Committed offset per partition; a partition missing here has no commit.
    public var committed: [Int32: Int64]
    public var memberCount: Int
    /// The coordinator's state name, e.g. "Stable", "Empty", "PreparingRebalance".
    public var state: String

    public init(group: String, committed: [Int32: Int64], memberCount: Int, state: String) {
        self.group = group
        self.committed = committed
        self.memberCount = memberCount
        self.state = state
    }

    /// Lag on one partition: end minus committed, or `nil` without a commit.
    public func lag(partition: Int32, endOffset: Int64) -> Int64? {
        guard let committed = self.committed[partition] else { return nil }
        return max(0, endOffset - committed)
    }
}
