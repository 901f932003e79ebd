import NIOCore

/// The header in front of every request. Its version follows from the API's flexible versions:
/// v2 (with tagged fields) for flexible requests, v1 otherwise. The client id is a classic
/// int16-length string even in v2.
public struct RequestHeader: Equatable, Sendable {
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationId: Int32
    public var clientId: String?

    public init(apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String?) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
    }

    /// The header version a request of this API and version carries; nil for an API the codec does not know.
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16? {
        guard let api = ApiKey(rawValue: apiKey) else { return nil }
        return api.requestType.isFlexible(apiVersion) ? 2 : 1
    }

    /// Reads a header whose API is known; throws `WireError.unknownApiKey` otherwise, after which
    /// the connection cannot be trusted (the header length is unknown).
    public init(from buffer: inout ByteBuffer) throws {
        let apiKey = try buffer.readKafkaInt(Int16.self)
        let apiVersion = try buffer.readKafkaInt(Int16.self)
        let correlationId = try buffer.readKafkaInt(Int32.self)
        guard let version = Self.headerVersion(apiKey: apiKey, apiVersion: apiVersion) else {
            throw WireError.unknownApiKey(apiKey)
        }
        self.init(apiKey: apiKey, apiVersion: apiVersion, correlationId: correlationId, clientId: nil)
        self.clientId = try buffer.readKafkaNullableString(flexible: false)
        if version >= 2 {
            try buffer.skipKafkaTaggedFields()
        }
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.apiKey)
        buffer.writeInteger(self.apiVersion)
        buffer.writeInteger(self.correlationId)
        buffer.writeKafkaString(self.clientId, flexible: false)
        if Self.headerVersion(apiKey: self.apiKey, apiVersion: self.apiVersion) == 2 {
            buffer.writeInteger(UInt8(0))
        }
    }
}
