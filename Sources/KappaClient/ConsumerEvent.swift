/// What one `StreamConsumer.poll` hands back, in the order librdkafka delivered it.
public enum ConsumerEvent: Sendable {
    case record(ConsumedRecord)
    /// The consumer caught up with the partition: `offset` is the next offset it would read (the
    /// high watermark at that moment).
    case endOfPartition(TopicPartition, offset: Int64)
    /// A consumer error for one partition or the whole consumer (unknown topic, offset out of range,
    /// broker failures); the consumer keeps running, the caller decides whether to stop.
    case error(KafkaClientError)
}
