import CRdKafka
import Logging

/// A member of a consumer group (subscribe, rebalance, auto commit). A thread of its own polls and
/// hands each batch to `onRecords`; callbacks run on that thread, so they should return quickly.
public final class GroupConsumer: Sendable {
    /// Upper bound of one batch handed to `onRecords`.
    static let maxBatch = 500

    public let groupId: String
    private let handle: KafkaHandle
    private let tracker: AssignmentTracker
    private let poller: PollLoop
    private let logger: Logger

    /// Offsets are committed automatically (librdkafka's defaults: every 5 s and on close) unless
    /// `config.properties` says otherwise. `onError` gets one line per consumer or cluster error.
    public init(
        config: ClientConfig, groupId: String, autoOffsetReset: String = "earliest", logger: Logger,
        onRecords: @escaping @Sendable ([ConsumedRecord]) -> Void, onError: @escaping @Sendable (String) -> Void
    ) throws {
        let tracker = AssignmentTracker()
        let builder = ConfigurationBuilder(
            config: config,
            defaults: [("group.id", groupId), ("auto.offset.reset", autoOffsetReset), ("enable.partition.eof", "false")])
        let handle = try KafkaHandle(
            kind: RD_KAFKA_CONSUMER, builder: builder,
            context: CallbackContext(logger: logger, onError: onError, assignment: tracker))
        // Everything (rebalances, errors, logs routed to the main queue) is then served by consumer polls.
        let redirect = try handle.withHandle { rd_kafka_poll_set_consumer($0) }
        guard redirect == RD_KAFKA_RESP_ERR_NO_ERROR else {
            handle.close(waitMs: 0)
            throw KafkaClientError(redirect, doing: "cannot start the consumer for group '\(groupId)'")
        }
        self.groupId = groupId
        self.handle = handle
        self.tracker = tracker
        self.logger = logger
        self.poller = PollLoop(name: "kappa-consumer") {
            Self.pollBatch(handle, onRecords: onRecords, onError: onError, logger: logger)
        }
    }

    /// Replaces the subscription; an empty list unsubscribes.
    public func subscribe(_ topics: [String]) throws {
        try self.handle.withHandle { handle in
            guard !topics.isEmpty else {
                let error = rd_kafka_unsubscribe(handle)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaClientError(error, doing: "cannot unsubscribe") }
                return
            }
            let list = PartitionList.make(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_subscribe(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaClientError(error, doing: "cannot subscribe to \(topics.joined(separator: ", "))")
            }
        }
        self.logger.debug("group '\(self.groupId)' subscribed to \(topics)")
    }

    /// Asks the cluster for all topics' metadata now, so a subscription to a topic that was just created
    /// is joined at once instead of at the next periodic refresh. Only a full listing updates the group's
    /// view in librdkafka (a partial one could make subscribed topics look missing). Blocks up to `timeoutMs`.
    public func refreshMetadata(timeoutMs: Int32 = 5000) throws {
        try self.handle.withHandle { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMs)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaClientError(error, doing: "cannot refresh metadata") }
        }
    }

    /// Pauses (or resumes) fetching from every assigned partition, including ones assigned later, while
    /// the consumer stays in the group.
    public func pause(_ paused: Bool) {
        self.tracker.setPaused(paused) { partitions in
            guard !partitions.isEmpty else { return }
            _ = try? self.handle.withHandle { handle in
                let list = PartitionList.make(partitions)
                defer { rd_kafka_topic_partition_list_destroy(list) }
                let error = paused ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    self.logger.warning("cannot \(paused ? "pause" : "resume"): \(String(cString: rd_kafka_err2str(error)))")
                }
            }
        }
    }

    public var isPaused: Bool { self.tracker.isPaused }

    /// The partitions this member currently owns, sorted.
    public var assignment: [TopicPartition] { self.tracker.partitions }

    /// Leaves the group (committing offsets when auto commit is on) and destroys the handle. Returns
    /// within about 15 s even if the cluster does not answer; safe to call from the callbacks.
    public func close() {
        self.poller.stop(waitMs: 5_000)
        self.handle.close(waitMs: self.poller.isCurrentThread ? 0 : 10_000, teardown: Self.teardown)
    }

    deinit {
        self.poller.stop(waitMs: 0)
        self.handle.close(waitMs: 0, teardown: Self.teardown)
    }

    private static let teardown: @Sendable (OpaquePointer) -> Void = { handle in
        _ = rd_kafka_consumer_close(handle)
    }

    /// One iteration of the poll thread: waits up to 100 ms for a first message, drains what else is
    /// ready, then calls back outside the borrow so a callback may close the consumer.
    private static func pollBatch(
        _ handle: KafkaHandle, onRecords: @Sendable ([ConsumedRecord]) -> Void, onError: @Sendable (String) -> Void,
        logger: Logger
    ) -> Bool {
        var records: [ConsumedRecord] = []
        var errors: [String] = []
        do {
            try handle.withHandle { handle in
                var timeout: Int32 = 250
                while records.count < Self.maxBatch, let message = rd_kafka_consumer_poll(handle, timeout) {
                    defer { rd_kafka_message_destroy(message) }
                    timeout = 0
                    switch message.pointee.err {
                    case RD_KAFKA_RESP_ERR_NO_ERROR:
                        records.append(ConsumedRecord(message: message))
                    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                        break
                    default:
                        errors.append(Self.describe(message))
                    }
                }
            }
        } catch {
            return false
        }
        if !records.isEmpty {
            onRecords(records)
        }
        for error in errors {
            logger.warning("consumer: \(error)")
            onError(error)
        }
        return true
    }

    private static func describe(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
        let error = message.pointee.err
        let text = CString.string(rd_kafka_message_errstr(message))
        let topic = message.pointee.rkt.map { " on \(CString.string(rd_kafka_topic_name($0)))[\(message.pointee.partition)]" } ?? ""
        return "\(text)\(topic) (\(String(cString: rd_kafka_err2name(error))))"
    }
}
