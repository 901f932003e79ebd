/// One record header. A struct rather than a tuple so records stay Equatable.
public struct RecordHeader: Sendable, Hashable {
    public var key: String
    /// nil is a header without a value, distinct from an empty one.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
