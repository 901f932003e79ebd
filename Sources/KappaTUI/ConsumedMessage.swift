/// A record as Consumer-Term and Browse show it.
public struct ConsumedMessage: Equatable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [HeaderPair]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64,
        key: [UInt8]?, value: [UInt8]?, headers: [HeaderPair] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}
