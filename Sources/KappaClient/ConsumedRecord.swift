import CRdKafka

/// A record copied out of librdkafka's buffers, safe to keep after the message is freed.
public struct ConsumedRecord: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch (create or log-append time), -1 when unknown.
    public var timestamp: Int64
    /// nil is a null key, distinct from an empty one; the same holds for `value` (tombstones).
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [RecordHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Copies a successfully consumed message; the caller still owns and destroys it.
    init(message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        self.topic = rd_kafka_topic_name(m.rkt).map { String(cString: $0) } ?? ""
        self.partition = m.partition
        self.offset = m.offset
        self.timestamp = rd_kafka_message_timestamp(message, nil)
        self.key = Self.bytes(m.key, m.key_len)
        self.value = Self.bytes(m.payload, m.len)
        self.headers = Self.headers(of: message)
    }

    private static func bytes(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private static func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
        Self.bytes(UnsafeRawPointer(pointer), count)
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [RecordHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [RecordHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            result.append(RecordHeader(key: name.map { String(cString: $0) } ?? "", value: Self.bytes(value, size)))
            index += 1
        }
        return result
    }
}
