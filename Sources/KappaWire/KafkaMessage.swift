import NIOCore

/// A struct of the Kafka protocol that knows how to read and write itself at a given version.
/// The generated messages and their nested structs conform; the version decides which fields exist.
public protocol KafkaStruct: Sendable {
    init(from buffer: inout ByteBuffer, version: Int16) throws
    func write(to buffer: inout ByteBuffer, version: Int16)
}

/// A top-level request, response or data schema from Apache Kafka's message JSON.
public protocol KafkaMessage: KafkaStruct {
    static var validVersions: ClosedRange<Int16> { get }
    static var firstFlexibleVersion: Int16? { get }
}

extension KafkaMessage {
    /// Whether `version` uses the compact ("flexible") encoding with tagged fields.
    public static func isFlexible(_ version: Int16) -> Bool {
        guard let first = Self.firstFlexibleVersion else { return false }
        return version >= first
    }
}
