/// A record Producer-Term asks the controller to send.
///
/// `id` ties the later `.produced(id:result:)` delivery report back to the line that sent it.
public struct ProduceCommand: Equatable, Sendable {
    public var id: Int
    public var topic: String
    /// `nil` lets the client's partitioner choose (murmur2 of the key, as Kafka's Java client does).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [HeaderPair]
    /// Sent by the transactional producer, inside the transaction Producer-Term has open.
    public var transactional: Bool

    public init(id: Int, topic: String, partition: Int32?, key: [UInt8]?, value: [UInt8]?, headers: [HeaderPair],
        transactional: Bool = false
    ) {
        self.id = id
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.transactional = transactional
    }
}
