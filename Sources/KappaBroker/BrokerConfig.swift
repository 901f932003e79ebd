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
    public var transactions = TransactionCoordinator.Configuration()
    /// The most record bytes one Fetch answer carries, whatever the request allows (Kafka's
    /// broker-side `fetch.max.bytes`, 55 MiB there). Smaller answers let a client parse one while
    /// the next is on the way: librdkafka reading 64 partitions consumed 1.0M msg/s with 50 MB
    /// answers and 2.1M with 8 MB ones. At least one batch is always returned (KIP-74).
    public var fetchMaxBytes: Int = 8 << 20

    public init() {}
}
