import NIOCore

extension ApiKey {
    /// Decodes the body of a request of this API at `version`, the one generic entry for code that
    /// holds a header and a body (fuzzing, tools, tests). Versions outside the schema's range are
    /// refused before any byte is read: the generated decoders would otherwise read them as the
    /// nearest version and make up a meaning for bytes the client never meant that way.
    ///
    /// - Throws: `WireError.unsupportedVersion` for a version the schema does not define, or the
    ///   decoder's `WireError` for a malformed body. The reader index is only trusted on success.
    public func decodeRequest(from buffer: inout ByteBuffer, version: Int16) throws -> any KafkaMessage {
        let type = self.requestType
        guard type.validVersions.contains(version) else {
            throw WireError.unsupportedVersion(apiKey: self.rawValue, version: version)
        }
        return try type.init(from: &buffer, version: version)
    }

    /// Decodes a request frame (header and body, no size prefix) whose body must be consumed whole.
    ///
    /// - Throws: what `RequestHeader(from:)` and `decodeRequest(from:version:)` throw, and
    ///   `WireError.invalid` if bytes are left after the body.
    public static func decodeRequestFrame(
        _ frame: ByteBuffer
    ) throws -> (header: RequestHeader, body: any KafkaMessage) {
        var buffer = frame
        let header = try RequestHeader(from: &buffer)
        guard let api = ApiKey(rawValue: header.apiKey) else { throw WireError.unknownApiKey(header.apiKey) }
        let body = try api.decodeRequest(from: &buffer, version: header.apiVersion)
        guard buffer.readableBytes == 0 else {
            let extra = buffer.readableBytes
            throw WireError.invalid("\(api.name) v\(header.apiVersion) request followed by \(extra) more bytes")
        }
        return (header, body)
    }
}
