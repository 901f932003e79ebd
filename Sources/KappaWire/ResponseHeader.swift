import NIOCore

/// The header in front of every response: v1 (with an empty tag buffer) for flexible versions, v0
/// otherwise, except that ApiVersions responses always use v0 so that a client can read them before
/// it knows which versions the broker speaks.
public struct ResponseHeader: Equatable, Sendable {
    public var correlationId: Int32

    public init(correlationId: Int32) {
        self.correlationId = correlationId
    }

    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        if apiKey == ApiKey.apiVersions.rawValue { return 0 }
        guard let api = ApiKey(rawValue: apiKey) else { return 0 }
        return api.responseType.isFlexible(apiVersion) ? 1 : 0
    }

    public func write(to buffer: inout ByteBuffer, headerVersion: Int16) {
        buffer.writeInteger(self.correlationId)
        if headerVersion >= 1 {
            buffer.writeInteger(UInt8(0))
        }
    }

    public init(from buffer: inout ByteBuffer, headerVersion: Int16) throws {
        self.correlationId = try buffer.readKafkaInt(Int32.self)
        if headerVersion >= 1 {
            try buffer.skipKafkaTaggedFields()
        }
    }
}
