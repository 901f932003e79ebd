import NIOCore

/// One record inside an uncompressed v2 batch (`DefaultRecord` in Kafka).
///
/// The broker never needs records to store or serve data; this type exists for the tests,
/// benchmarks and tools that build batches, and for the few places that look inside one
/// (finding the exact offset of the max timestamp).
public struct Record: Sendable, Equatable, Hashable {
    /// Unused by Kafka; always 0 when produced.
    public var attributes: Int8
    /// Timestamp minus the batch's `baseTimestamp`.
    public var timestampDelta: Int64
    /// Offset minus the batch's `baseOffset`.
    public var offsetDelta: Int32
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        attributes: Int8 = 0,
        timestampDelta: Int64,
        offsetDelta: Int32,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [RecordHeader] = []
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Reads one record (its length prefix included) and moves the reader index past it.
    ///
    /// - Throws: `WireError.truncated` if the buffer ends inside the record; `WireError.invalid`
    ///   for a bad length, a header key that is null or not UTF-8, or a record whose fields do
    ///   not add up to its length prefix.
    public init(decoding buffer: inout ByteBuffer) throws {
        guard let length = buffer.readVarint() else { throw WireError.truncated("record length") }
        guard length >= 0 else { throw WireError.invalid("record length \(length)") }
        guard var body = buffer.readSlice(length: Int(length)) else {
            throw WireError.truncated("record: \(buffer.readableBytes) of \(length) bytes")
        }
        guard let attributes = body.readInteger(as: Int8.self) else { throw WireError.truncated("record attributes") }
        guard let timestampDelta = body.readVarlong() else { throw WireError.truncated("record timestampDelta") }
        guard let offsetDelta = body.readVarint() else { throw WireError.truncated("record offsetDelta") }
        let key = try Self.readNullableBytes(&body, what: "record key")
        let value = try Self.readNullableBytes(&body, what: "record value")
        guard let headerCount = body.readVarint() else { throw WireError.truncated("record header count") }
        guard headerCount >= 0 else { throw WireError.invalid("record header count \(headerCount)") }
        var headers: [RecordHeader] = []
        // Every header takes at least two bytes, which bounds the reservation by real input.
        headers.reserveCapacity(min(Int(headerCount), body.readableBytes / 2))
        for _ in 0..<headerCount {
            guard let keyBytes = try Self.readNullableBytes(&body, what: "record header key") else {
                throw WireError.invalid("record header key is null")
            }
            guard let key = String(validating: keyBytes, as: UTF8.self) else {
                throw WireError.invalid("record header key is not UTF-8")
            }
            let value = try Self.readNullableBytes(&body, what: "record header value")
            headers.append(RecordHeader(key: key, value: value))
        }
        guard body.readableBytes == 0 else {
            throw WireError.invalid("record has \(body.readableBytes) bytes beyond its fields")
        }
        self.init(
            attributes: attributes,
            timestampDelta: timestampDelta,
            offsetDelta: offsetDelta,
            key: key,
            value: value,
            headers: headers
        )
    }

    /// Writes the record with its varint length prefix.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeVarint(Int32(truncatingIfNeeded: self.bodySize))
        buffer.writeInteger(self.attributes)
        buffer.writeVarlong(self.timestampDelta)
        buffer.writeVarint(self.offsetDelta)
        Self.writeNullableBytes(self.key, into: &buffer)
        Self.writeNullableBytes(self.value, into: &buffer)
        buffer.writeVarint(Int32(truncatingIfNeeded: self.headers.count))
        for header in self.headers {
            Self.writeNullableBytes(Array(header.key.utf8), into: &buffer)
            Self.writeNullableBytes(header.value, into: &buffer)
        }
    }

    /// Bytes `encode(into:)` writes, length prefix included.
    public var encodedSize: Int {
        let body = self.bodySize
        return Self.varintSize(Int64(body)) + body
    }

    /// Bytes after the length prefix.
    var bodySize: Int {
        var size = 1 + Self.varintSize(self.timestampDelta) + Self.varintSize(Int64(self.offsetDelta))
        size += Self.nullableBytesSize(self.key.map(\.count))
        size += Self.nullableBytesSize(self.value.map(\.count))
        size += Self.varintSize(Int64(self.headers.count))
        for header in self.headers {
            size += Self.nullableBytesSize(header.key.utf8.count)
            size += Self.nullableBytesSize(header.value.map(\.count))
        }
        return size
    }

    /// Size of the zigzag LEB128 encoding of `value` (varint and varlong agree for Int32 values).
    static func varintSize(_ value: Int64) -> Int {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var size = 1
        while zigzag >= 0x80 {
            zigzag >>= 7
            size += 1
        }
        return size
    }

    static func nullableBytesSize(_ count: Int?) -> Int {
        guard let count else { return Self.varintSize(-1) }
        return Self.varintSize(Int64(count)) + count
    }

    static func readNullableBytes(_ buffer: inout ByteBuffer, what: String) throws -> [UInt8]? {
        guard let length = buffer.readVarint() else { throw WireError.truncated("\(what) length") }
        if length == -1 { return nil }
        guard length >= 0 else { throw WireError.invalid("\(what) length \(length)") }
        guard let bytes = buffer.readBytes(length: Int(length)) else {
            throw WireError.truncated("\(what): \(buffer.readableBytes) of \(length) bytes")
        }
        return bytes
    }

    static func writeNullableBytes(_ bytes: [UInt8]?, into buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeVarint(-1)
            return
        }
        buffer.writeVarint(Int32(truncatingIfNeeded: bytes.count))
        buffer.writeBytes(bytes)
    }
}
