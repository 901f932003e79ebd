import CRdKafka
import Logging

/// The dashboard's view of the cluster: topics, configs, watermarks and consumer groups, through one
/// librdkafka producer-type handle (admin requests need no consumer).
///
/// Every method blocks its caller until librdkafka answers or times out: call them from a thread of
/// your own, or through `perform` from async code, never directly on the cooperative pool.
public final class KafkaAdmin: Sendable {
    let handle: KafkaHandle
    let logger: Logger
    let requestTimeoutMs: Int32
    private let worker = ClientThread(name: "kappa-admin")

    public init(config: ClientConfig, logger: Logger) throws {
        let builder = ConfigurationBuilder(config: config, defaults: [])
        self.handle = try KafkaHandle(kind: RD_KAFKA_PRODUCER, builder: builder, context: CallbackContext(logger: logger))
        self.logger = logger
        self.requestTimeoutMs = config.requestTimeoutMs
    }

    /// Runs `body` on this admin's own thread and returns its result, for callers in async code.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (KafkaAdmin) throws -> T) async throws -> T {
        try await self.worker.run { try body(self) }
    }

    /// All topics but internal ones ("__consumer_offsets" and other names starting with "__"), by name.
    public func listTopics(timeoutMs: Int32 = 5000) throws -> [TopicInfo] {
        try self.withAdminHandle { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaClientError(error, doing: "cannot list topics")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
            return topics.compactMap { topic -> TopicInfo? in
                let name = CString.string(topic.topic)
                guard !name.hasPrefix("__"), topic.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else { return nil }
                let partitions = UnsafeBufferPointer(start: topic.partitions, count: Int(topic.partition_cnt))
                return TopicInfo(
                    name: name,
                    partitions: partitions.map { partition in
                        PartitionInfo(
                            id: partition.id, leader: partition.leader,
                            replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                            isrs: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))))
                    }.sorted { $0.id < $1.id })
            }.sorted { $0.name < $1.name }
        }
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String]) throws {
        try self.withAdminHandle { handle in
            let (created, errorText) = CString.withErrorBuffer {
                rd_kafka_NewTopic_new(name, partitions, Int32(replicationFactor), $0, $1)
            }
            guard let newTopic = created else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot create topic '\(name)': \(errorText)")
            }
            defer { rd_kafka_NewTopic_destroy(newTopic) }
            for key in configs.keys.sorted() {
                let error = rd_kafka_NewTopic_set_config(newTopic, key, configs[key])
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaClientError(error, doing: "cannot create topic '\(name)' with config '\(key)'")
                }
            }
            var topics: [OpaquePointer?] = [newTopic]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMs: self.requestTimeoutMs, operationTimeout: true,
                what: "cannot create topic '\(name)'",
                start: { rd_kafka_CreateTopics(handle, &topics, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
                    try AdminRequest.checkTopicResults(AdminRequest.elements(results, count), action: "create")
                })
        }
        self.logger.info("created topic '\(name)' with \(partitions) partition(s)")
    }

    public func deleteTopic(_ name: String) throws {
        try self.withAdminHandle { handle in
            guard let deletion = rd_kafka_DeleteTopic_new(name) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot delete topic '\(name)'")
            }
            defer { rd_kafka_DeleteTopic_destroy(deletion) }
            var topics: [OpaquePointer?] = [deletion]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeoutMs: self.requestTimeoutMs, operationTimeout: true,
                what: "cannot delete topic '\(name)'",
                start: { rd_kafka_DeleteTopics(handle, &topics, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
                    try AdminRequest.checkTopicResults(AdminRequest.elements(results, count), action: "delete")
                })
        }
        self.logger.info("deleted topic '\(name)'")
    }

    /// Grows the topic to `totalCount` partitions (Kafka cannot shrink them).
    public func createPartitions(_ name: String, totalCount: Int32) throws {
        try self.withAdminHandle { handle in
            let (created, errorText) = CString.withErrorBuffer {
                rd_kafka_NewPartitions_new(name, Int(totalCount), $0, $1)
            }
            guard let partitions = created else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot add partitions to topic '\(name)': \(errorText)")
            }
            defer { rd_kafka_NewPartitions_destroy(partitions) }
            var requests: [OpaquePointer?] = [partitions]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeoutMs: self.requestTimeoutMs, operationTimeout: true,
                what: "cannot add partitions to topic '\(name)'",
                start: { rd_kafka_CreatePartitions(handle, &requests, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_CreatePartitions_result_topics(
                        rd_kafka_event_CreatePartitions_result(event), &count)
                    try AdminRequest.checkTopicResults(AdminRequest.elements(results, count), action: "add partitions to")
                })
        }
        self.logger.info("topic '\(name)' now has \(totalCount) partition(s)")
    }

    /// The topic's configuration entries by name; sensitive values come back as nil.
    public func topicConfigs(_ name: String) throws -> [(name: String, value: String?, isDefault: Bool)] {
        try self.topicConfigs(name, timeoutMs: self.requestTimeoutMs)
    }

    /// The partition's log start and high watermark (the offset the next record will get).
    public func watermarks(_ tp: TopicPartition, timeoutMs: Int32 = 5000) throws -> (low: Int64, high: Int64) {
        try self.withAdminHandle { handle in
            var low: Int64 = -1
            var high: Int64 = -1
            let error = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaClientError(error, doing: "cannot read the offsets of \(tp)")
            }
            return (low, high)
        }
    }

    /// For each partition, the first offset whose record timestamp is at or after the given one
    /// (milliseconds since the epoch); -1 when no such record exists yet.
    public func offsetsForTimes(_ queries: [TopicPartition: Int64], timeoutMs: Int32 = 5000) throws -> [TopicPartition: Int64] {
        guard !queries.isEmpty else { return [:] }
        return try self.withAdminHandle { handle in
            let list = PartitionList.make(queries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_offsets_for_times(handle, list, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaClientError(error, doing: "cannot look up offsets by time")
            }
            var offsets: [TopicPartition: Int64] = [:]
            for entry in PartitionList.entries(list) {
                guard entry.error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaClientError(entry.error, doing: "cannot look up offsets by time for \(entry.partition)")
                }
                offsets[entry.partition] = entry.offset
            }
            return offsets
        }
    }

    /// Ends the admin's thread and destroys the handle (waiting at most 10 s); later calls throw `closed`.
    public func close() {
        self.worker.stop()
        self.handle.close(waitMs: 10_000)
    }

    deinit {
        self.worker.stop()
    }

    /// Lends the handle after serving queued error events (nobody else polls an admin handle).
    func withAdminHandle<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try self.handle.withHandle { handle in
            rd_kafka_poll(handle, 0)
            return try body(handle)
        }
    }
}
