import KappaLog

/// Everything a `Broker` is started with. Defaults follow Kafka's where Kafka has one.
public struct BrokerConfig: Sendable {
    /// This broker's node id in Metadata and FindCoordinator answers.
    public var nodeId: Int32 = 1
    /// The address clients are told to connect to; must be the one the listener is bound to.
    public var advertisedHost: String = "127.0.0.1"
    public var advertisedPort: Int32 = 9092
    /// Where partitions, topic metadata and offsets live; nil keeps everything in memory.
    public var dataDirectory: String?
    public var log: LogConfig = LogConfig()
    /// Create unknown topics on Metadata and Produce, as Kafka's `auto.create.topics.enable` does.
    public var autoCreateTopics: Bool = true
    public var defaultPartitions: Int32 = 1
    public var clusterId: String = "kappa-cluster"
    /// How often size/time retention runs.
    public var retentionCheckIntervalMs: Int64 = 60_000
    public var groups = GroupCoordinator.Configuration()

    public init() {}
}
