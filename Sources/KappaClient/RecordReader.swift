import CRdKafka
import Dispatch
import Logging
import Synchronization

/// Reads pages of records for a browser: no group, no commits; each `read` assigns one partition at
/// the wanted offset, takes at most `maxRecords`, and unassigns again, so neither the topic nor
/// librdkafka's prefetch queue grows beyond roughly one page in memory.
///
/// `read` blocks its caller: call it from a thread of your own, or through `perform` from async code.
public final class RecordReader: Sendable {
    private let handle: KafkaHandle
    private let logger: Logger
    /// One read at a time: the assignment is the handle's single cursor.
    private let reading = Mutex(())
    private let worker = ClientThread(name: "kappa-reader")

    public init(config: ClientConfig, logger: Logger) throws {
        let builder = ConfigurationBuilder(
            config: config,
            defaults: [
                // librdkafka's consumer poll wants a group id; the reader never joins nor commits, so the
                // broker never learns of this group.
                ("group.id", "kappa-record-reader"),
                ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
                ("enable.partition.eof", "true"), ("auto.offset.reset", "earliest"),
                // Short fetch long-polls: a watermark query waits behind a parked Fetch on the same
                // connection, and the reader only fetches while a read is under way.
                ("fetch.wait.max.ms", "10"),
                // Prefetch little: a page is what the browser shows.
                ("queued.min.messages", "1000"), ("queued.max.messages.kbytes", "4096"),
            ])
        let handle = try KafkaHandle(kind: RD_KAFKA_CONSUMER, builder: builder, context: CallbackContext(logger: logger))
        let redirect = try handle.withHandle { rd_kafka_poll_set_consumer($0) }
        guard redirect == RD_KAFKA_RESP_ERR_NO_ERROR else {
            handle.close(waitMs: 0)
            throw KafkaClientError(redirect, doing: "cannot start the record reader")
        }
        self.handle = handle
        self.logger = logger
    }

    /// Runs `body` on this reader's own thread and returns its result, for callers in async code.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (RecordReader) throws -> T) async throws -> T {
        try await self.worker.run { try body(self) }
    }

    /// Up to `maxRecords` consecutive records of `tp` starting at `offset` (or at the log start when
    /// `offset` is below it; -2 also means the log start). Fewer come back at the end of the partition,
    /// found by its high watermark, and when `timeoutMs` runs out first.
    public func read(_ tp: TopicPartition, from offset: Int64, maxRecords: Int, timeoutMs: Int32 = 3000) throws -> [ConsumedRecord] {
        guard maxRecords > 0 else { return [] }
        let deadline = DispatchTime.now() + .milliseconds(Int(timeoutMs))
        return try self.reading.withLock { _ in
            try self.handle.withHandle { handle in
                var low: Int64 = -1
                var high: Int64 = -1
                let watermarkError = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMs)
                guard watermarkError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaClientError(watermarkError, doing: "cannot read the offsets of \(tp)")
                }
                let start = max(offset, low)
                guard start < high else { return [] }
                let end = min(high, start &+ Int64(maxRecords))  // exclusive
                let list = PartitionList.make([(tp, start)])
                defer { rd_kafka_topic_partition_list_destroy(list) }
                let assignError = rd_kafka_assign(handle, list)
                guard assignError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaClientError(assignError, doing: "cannot read \(tp)")
                }
                defer { _ = rd_kafka_assign(handle, nil) }
                return try Self.collect(handle, tp, from: start, until: end, max: maxRecords, deadline: deadline)
            }
        }
    }

    /// Ends the reader's thread and destroys the handle (waiting at most 10 s).
    public func close() {
        self.worker.stop()
        self.handle.close(waitMs: 10_000, teardown: Self.teardown)
    }

    deinit {
        self.worker.stop()
        self.handle.close(waitMs: 0, teardown: Self.teardown)
    }

    private static let teardown: @Sendable (OpaquePointer) -> Void = { handle in
        _ = rd_kafka_consumer_close(handle)
    }

    /// Polls until the page is full, the record before `end` arrived, the partition reports its end,
    /// or the deadline passes. Messages of an earlier assignment still in flight are skipped.
    private static func collect(
        _ handle: OpaquePointer, _ tp: TopicPartition, from start: Int64, until end: Int64, max maxRecords: Int,
        deadline: DispatchTime
    ) throws -> [ConsumedRecord] {
        var records: [ConsumedRecord] = []
        var next = start
        while records.count < maxRecords, next < end {
            let now = DispatchTime.now()
            guard now < deadline else { break }
            let remaining = Int32(clamping: (deadline.uptimeNanoseconds - now.uptimeNanoseconds) / 1_000_000)
            guard let message = rd_kafka_consumer_poll(handle, max(remaining, 1)) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let current = message.pointee
            let sameTopic = current.rkt.map { CString.string(rd_kafka_topic_name($0)) == tp.topic } ?? false
            guard sameTopic, current.partition == tp.partition else { continue }
            switch current.err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                guard current.offset >= next else { continue }
                records.append(ConsumedRecord(message: message))
                next = current.offset + 1
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                return records
            default:
                throw KafkaClientError(current.err, "cannot read \(tp): \(CString.string(rd_kafka_message_errstr(message)))")
            }
        }
        return records
    }
}
