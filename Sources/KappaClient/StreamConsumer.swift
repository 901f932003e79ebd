import CRdKafka
import Logging
import Synchronization

/// A consumer its caller polls, for command-line tools: either a member of a group (`subscribe`, with
/// rebalances and auto commit) or a plain reader of assigned partitions at chosen offsets (`assign`,
/// no group is joined and nothing is committed). Unlike `GroupConsumer` it has no thread of its own and
/// reports the end of each partition, so a tool can stop once it caught up.
///
/// `poll` blocks its caller: use it from a thread of your own, never on Swift's cooperative pool.
public final class StreamConsumer: Sendable {
    /// librdkafka's logical start offsets, accepted by `assign`.
    public static let beginning: Int64 = RdKafkaOffset.beginning
    public static let end: Int64 = RdKafkaOffset.end

    /// nil for a plain reader.
    public let groupId: String?
    private let handle: KafkaHandle
    private let tracker: AssignmentTracker?
    private let assigned = Mutex<[TopicPartition]>([])
    private let logger: Logger

    /// `groupId` nil makes a plain reader; with a group, `autoOffsetReset` ("earliest" or "latest")
    /// applies to partitions without a committed offset. `onError` gets one line per client-level
    /// error (brokers down, authentication), on a librdkafka thread or inside `poll`.
    public init(
        config: ClientConfig, groupId: String?, autoOffsetReset: String = "earliest", logger: Logger,
        onError: (@Sendable (String) -> Void)? = nil
    ) throws {
        var defaults: [(String, String)] = [("enable.partition.eof", "true"), ("auto.offset.reset", autoOffsetReset)]
        if let groupId {
            defaults.append(("group.id", groupId))
        } else {
            // librdkafka's consumer poll wants a group id; a reader that only assigns never joins it
            // and, with commits and offset stores off, never commits to it.
            defaults += [
                ("group.id", "kappa-stream-reader"), ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
            ]
        }
        let tracker = groupId == nil ? nil : AssignmentTracker()
        let handle = try KafkaHandle(
            kind: RD_KAFKA_CONSUMER, builder: ConfigurationBuilder(config: config, defaults: defaults),
            context: CallbackContext(logger: logger, onError: onError, assignment: tracker))
        let redirect = try handle.withHandle { rd_kafka_poll_set_consumer($0) }
        guard redirect == RD_KAFKA_RESP_ERR_NO_ERROR else {
            handle.close(waitMs: 0)
            throw KafkaClientError(redirect, doing: "cannot start the consumer")
        }
        self.groupId = groupId
        self.handle = handle
        self.tracker = tracker
        self.logger = logger
    }

    /// Reads these partitions from these offsets (absolute, or `beginning` / `end`); replaces any
    /// earlier assignment. Only for plain readers.
    public func assign(_ starts: [TopicPartition: Int64]) throws {
        guard self.groupId == nil else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "a group member cannot assign partitions itself")
        }
        let sorted = starts.sorted { $0.key < $1.key }
        try self.handle.withHandle { handle in
            let list = PartitionList.make(sorted.map { ($0.key, $0.value) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_assign(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaClientError(error, doing: "cannot assign partitions")
            }
        }
        self.assigned.withLock { $0 = sorted.map(\.key) }
    }

    /// Joins the group for these topics. Only for group members.
    public func subscribe(_ topics: [String]) throws {
        guard let groupId = self.groupId else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "a consumer without a group cannot subscribe")
        }
        try self.handle.withHandle { handle in
            let list = PartitionList.make(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_subscribe(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaClientError(
                    error, doing: "cannot subscribe group '\(groupId)' to \(topics.joined(separator: ", "))")
            }
        }
    }

    /// The partitions being read: the assignment given, or what the group leader assigned to this member.
    public var assignment: [TopicPartition] {
        self.tracker?.partitions ?? self.assigned.withLock { $0 }
    }

    /// Waits up to `timeoutMs` for a first event, then takes whatever else is ready, at most `maxEvents`
    /// in all. Group members store the offset of every record returned (and only those), so auto commit
    /// and `close` commit exactly what the caller received. Rebalances happen inside this call.
    public func poll(timeoutMs: Int32, maxEvents: Int = 500) throws -> [ConsumerEvent] {
        guard maxEvents > 0 else { return [] }
        return try self.handle.withHandle { handle in
            var events: [ConsumerEvent] = []
            var timeout = timeoutMs
            while events.count < maxEvents, let message = rd_kafka_consumer_poll(handle, timeout) {
                defer { rd_kafka_message_destroy(message) }
                timeout = 0
                let current = message.pointee
                switch current.err {
                case RD_KAFKA_RESP_ERR_NO_ERROR:
                    events.append(.record(ConsumedRecord(message: message)))
                case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                    let topic = current.rkt.map { CString.string(rd_kafka_topic_name($0)) } ?? ""
                    events.append(
                        .endOfPartition(
                            TopicPartition(topic: topic, partition: current.partition), offset: current.offset))
                default:
                    events.append(.error(Self.error(message)))
                }
            }
            return events
        }
    }

    /// Leaves the group (committing what was received, with auto commit on) and destroys the handle,
    /// waiting at most about 10 s.
    public func close() {
        self.handle.close(waitMs: 10_000, teardown: Self.teardown)
    }

    deinit {
        self.handle.close(waitMs: 0, teardown: Self.teardown)
    }

    private static let teardown: @Sendable (OpaquePointer) -> Void = { handle in
        _ = rd_kafka_consumer_close(handle)
    }

    private static func error(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaClientError {
        let current = message.pointee
        let text = CString.string(rd_kafka_message_errstr(message))
        let detail = text.isEmpty ? String(cString: rd_kafka_err2str(current.err)) : text
        guard let rkt = current.rkt else { return KafkaClientError(current.err, detail) }
        let topic = CString.string(rd_kafka_topic_name(rkt))
        if current.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || current.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC {
            return KafkaClientError(current.err, "topic '\(topic)' does not exist")
        }
        let partition = current.partition >= 0 ? "[\(current.partition)]" : ""
        return KafkaClientError(current.err, "\(topic)\(partition): \(detail)")
    }
}
