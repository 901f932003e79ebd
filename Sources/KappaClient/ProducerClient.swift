import CRdKafka
import Logging

/// Sends records with delivery reports. A thread of its own polls librdkafka, so completions arrive
/// without the caller polling; they run on that thread and must not block it for long.
public final class ProducerClient: Sendable {
    /// What a completion receives: where the record landed, or why it did not.
    public typealias DeliveryResult = Result<(partition: Int32, offset: Int64), KafkaClientError>

    /// A completion waiting for its delivery report; travels through librdkafka as the message opaque.
    fileprivate final class Delivery: Sendable {
        let completion: @Sendable (DeliveryResult) -> Void

        init(_ completion: @escaping @Sendable (DeliveryResult) -> Void) {
            self.completion = completion
        }
    }

    let handle: KafkaHandle
    private let poller: PollLoop
    private let logger: Logger

    /// Defaults: `partitioner=murmur2_random`, so keys land on the partitions Java clients and
    /// kafka-python choose, and `message.timeout.ms=30000`, so a send to a dead cluster fails within
    /// half a minute rather than five; both can be overridden through `config.properties`.
    public init(config: ClientConfig, logger: Logger) throws {
        let builder = ConfigurationBuilder(
            config: config, defaults: [("partitioner", "murmur2_random"), ("message.timeout.ms", "30000")])
        let handle = try KafkaHandle(kind: RD_KAFKA_PRODUCER, builder: builder, context: CallbackContext(logger: logger)) {
            conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                let delivery = Unmanaged<Delivery>.fromOpaque(opaque).takeRetainedValue()
                let report = message.pointee
                if report.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    delivery.completion(.success((partition: report.partition, offset: report.offset)))
                } else {
                    let topic = CString.string(rd_kafka_topic_name(report.rkt))
                    delivery.completion(.failure(KafkaClientError(report.err, doing: "cannot deliver a record to topic '\(topic)'")))
                }
            }
        }
        self.handle = handle
        self.logger = logger
        self.poller = PollLoop(name: "kappa-producer") {
            (try? handle.withHandle { rd_kafka_poll($0, 250) }) != nil
        }
    }

    /// Queues one record. `partition` nil lets the partitioner choose (by key hash, or at random for
    /// null keys); nil key or value are sent as null; `timestamp` (ms since the epoch) defaults to now.
    /// `completion` runs once, on the poll thread after delivery, or on the caller's thread when the
    /// record cannot even be queued.
    public func send(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8]?)] = [],
        timestamp: Int64? = nil, completion: @escaping @Sendable (DeliveryResult) -> Void
    ) {
        let delivery = Unmanaged.passRetained(Delivery(completion)).toOpaque()
        do {
            try self.handle.withHandle { handle in
                try Self.produce(
                    handle, topic: topic, partition: partition ?? RD_KAFKA_PARTITION_UA, key: key, value: value,
                    headers: headers, timestamp: timestamp, opaque: delivery)
            }
        } catch {
            Unmanaged<Delivery>.fromOpaque(delivery).release()
            completion(.failure(error as? KafkaClientError ?? KafkaClientError(RD_KAFKA_RESP_ERR__FAIL, "\(error)")))
        }
    }

    /// Waits up to `timeoutMs` for queued records to be delivered; returns whether all were.
    @discardableResult
    public func flush(timeoutMs: Int32) -> Bool {
        (try? self.handle.withHandle { rd_kafka_flush($0, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR }) ?? false
    }

    /// Delivers what is queued (up to 5 s), fails the rest with a purge error, then destroys the handle.
    /// Returns within about 10 s.
    public func close() {
        self.poller.stop(waitMs: 1_000)
        self.handle.close(waitMs: self.poller.isCurrentThread ? 0 : 10_000, teardown: Self.teardown)
    }

    deinit {
        self.poller.stop(waitMs: 0)
        self.handle.close(waitMs: 0, teardown: Self.teardown)
    }

    private static let teardown: @Sendable (OpaquePointer) -> Void = { handle in
        if rd_kafka_flush(handle, 5_000) != RD_KAFKA_RESP_ERR_NO_ERROR {
            _ = rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            _ = rd_kafka_flush(handle, 1_000)  // serves the purged records' failure reports
        }
    }

    /// Hands one record to librdkafka through `rd_kafka_produceva`, the only produce call that takes
    /// headers without varargs. Everything is copied into C memory first and freed after the call.
    private static func produce(
        _ handle: OpaquePointer, topic: String, partition: Int32, key: [UInt8]?, value: [UInt8]?,
        headers: [(String, [UInt8]?)], timestamp: Int64?, opaque: UnsafeMutableRawPointer
    ) throws {
        var strings: [UnsafeMutablePointer<CChar>] = []
        var buffers: [UnsafeMutableRawPointer] = []
        defer {
            strings.forEach { $0.deallocate() }
            buffers.forEach { $0.deallocate() }
        }
        func cString(_ string: String) -> UnsafePointer<CChar> {
            let copy = CString.duplicate(string)
            strings.append(copy)
            return UnsafePointer(copy)
        }
        // nil stays a null pointer (null key, value or header); empty bytes get a real pointer of size 0.
        func memory(_ bytes: [UInt8]?) -> (UnsafeMutableRawPointer?, Int) {
            guard let bytes else { return (nil, 0) }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyMemory(from: bytes, byteCount: bytes.count)
            buffers.append(buffer)
            return (buffer, bytes.count)
        }
        func field(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) -> rd_kafka_vu_t {
            var field = rd_kafka_vu_t()
            field.vtype = type
            set(&field)
            return field
        }

        var fields: [rd_kafka_vu_t] = [
            field(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = cString(topic) },
            field(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition },
            field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY },
            field(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque },
        ]
        if let timestamp {
            fields.append(field(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp })
        }
        let (keyPointer, keySize) = memory(key)
        fields.append(field(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: keyPointer, size: keySize) })
        let (valuePointer, valueSize) = memory(value)
        fields.append(field(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: valuePointer, size: valueSize) })
        for (name, headerValue) in headers {
            let (pointer, size) = memory(headerValue)
            fields.append(
                field(RD_KAFKA_VTYPE_HEADER) {
                    $0.u.header = .init(name: cString(name), val: UnsafeRawPointer(pointer), size: size)
                })
        }
        if let error = rd_kafka_produceva(handle, &fields, fields.count) {
            throw KafkaClientError(consuming: error, doing: "cannot send a record to topic '\(topic)'")
        }
    }
}
