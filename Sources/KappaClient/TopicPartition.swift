/// One partition of one topic; ordered by topic name, then partition, so lists display stably.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// "topic[partition]", as librdkafka writes it in logs.
    public var description: String { "\(self.topic)[\(self.partition)]" }
}
