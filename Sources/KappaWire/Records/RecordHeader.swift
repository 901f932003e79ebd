/// A header of one record: a non-null UTF-8 key and an optional byte value.
public struct RecordHeader: Sendable, Equatable, Hashable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
