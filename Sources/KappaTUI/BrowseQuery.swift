/// A page Browse asks the controller to load; Browse never holds a whole topic in memory.
public enum BrowseQuery: Equatable, Sendable {
    /// Answered with `DashboardEvent.topics`.
    case topics
    /// Answered with `DashboardEvent.browsePartitions`.
    case partitions(topic: String)
    /// Up to `count` records from `fromOffset` on; answered with `DashboardEvent.browsePage`.
    case records(topic: String, partition: Int32, fromOffset: Int64, count: Int)
    /// Up to `count` records from the first one at or after `timestamp` (ms since the epoch);
    /// answered with `DashboardEvent.browsePage`.
    case recordsAtTime(topic: String, partition: Int32, timestamp: Int64, count: Int)
}
