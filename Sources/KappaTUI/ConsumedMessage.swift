/// A record as Consumer-Term and Browse show it.
public struct ConsumedMessage: Equatable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The key's bytes, or only their start once `clipped(to:)`; `keySize` is the full length.
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [HeaderPair]
    /// Bytes of the key and value in the record, which may be more than `key` and `value` keep.
    public var keySize: Int
    public var valueSize: Int
    /// Browse only: aborted, open, or a COMMIT/ABORT control record; `nil` for a plain or committed record.
    public var mark: RecordMark?

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64,
        key: [UInt8]?, value: [UInt8]?, headers: [HeaderPair] = [], mark: RecordMark? = nil
    ) {
        self.mark = mark
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self.keySize = key?.count ?? 0
        self.valueSize = value?.count ?? 0
    }

    /// The record with its key and value cut to `limit` bytes each, sizes kept: Consumer-Term keeps thousands
    /// of records and shows one line of each, so a 1 MB value must not stay in memory whole.
    public func clipped(to limit: Int) -> ConsumedMessage {
        var out = self
        if let key, key.count > limit { out.key = Array(key.prefix(limit)) }
        if let value, value.count > limit { out.value = Array(value.prefix(limit)) }
        return out
    }
}
