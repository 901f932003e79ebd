/// One record header: Kafka header keys are strings, values are bytes or null.
public struct HeaderPair: Equatable, Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
