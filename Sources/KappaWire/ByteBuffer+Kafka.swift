import NIOCore

/// Readers and writers for the Kafka protocol's primitive types. Readers throw `WireError` instead of
/// returning optionals because generated decoders chain dozens of them; the reader index is only
/// trusted on success.
extension ByteBuffer {
    @inlinable
    public mutating func readKafkaInt<T: FixedWidthInteger>(_: T.Type) throws -> T {
        guard let value = self.readInteger(as: T.self) else { throw WireError.truncated("\(T.self)") }
        return value
    }

    @inlinable
    public mutating func readKafkaBool() throws -> Bool {
        try self.readKafkaInt(UInt8.self) != 0
    }

    @inlinable
    public mutating func readKafkaFloat64() throws -> Double {
        Double(bitPattern: try self.readKafkaInt(UInt64.self))
    }

    public mutating func readKafkaUUID() throws -> KafkaUUID {
        let high = try self.readKafkaInt(UInt64.self)
        let low = try self.readKafkaInt(UInt64.self)
        return KafkaUUID(high: high, low: low)
    }

    public mutating func writeKafkaUUID(_ uuid: KafkaUUID) {
        self.writeInteger(uuid.high)
        self.writeInteger(uuid.low)
    }

    /// The length prefix of a string, bytes or array: int16/int32 classic, uvarint(n+1) compact. `nil` = null.
    @inlinable
    mutating func readKafkaLength(flexible: Bool, classicWidth16: Bool) throws -> Int? {
        if flexible {
            guard let raw = self.readUnsignedVarint() else { throw WireError.truncated("compact length") }
            return raw == 0 ? nil : Int(raw - 1)
        }
        let length = classicWidth16 ? Int(try self.readKafkaInt(Int16.self)) : Int(try self.readKafkaInt(Int32.self))
        if length < -1 { throw WireError.invalid("length \(length)") }
        return length == -1 ? nil : length
    }

    /// The longest string the protocol carries, in UTF-8 bytes: a classic length is an int16, and
    /// Kafka refuses longer compact strings too.
    public static let maxKafkaStringLength = Int(Int16.max)

    /// Reads a string; invalid UTF-8 is repaired (U+FFFD), as Kafka's Java reader does. A compact
    /// length beyond `maxKafkaStringLength` is refused like in Kafka: stored and later written in a
    /// classic response, such a string could not be framed.
    public mutating func readKafkaNullableString(flexible: Bool) throws -> String? {
        guard let length = try self.readKafkaLength(flexible: flexible, classicWidth16: true) else { return nil }
        if length > Self.maxKafkaStringLength { throw WireError.invalid("string length \(length)") }
        guard let string = self.readString(length: length) else { throw WireError.truncated("string") }
        return string
    }

    public mutating func readKafkaString(flexible: Bool) throws -> String {
        guard let string = try self.readKafkaNullableString(flexible: flexible) else {
            throw WireError.invalid("null in a non-nullable string")
        }
        return string
    }

    public mutating func writeKafkaString(_ string: String?, flexible: Bool) {
        guard let string else {
            if flexible { self.writeInteger(UInt8(0)) } else { self.writeInteger(Int16(-1)) }
            return
        }
        let utf8 = string.utf8
        guard utf8.count > Self.maxKafkaStringLength else {
            self.writeKafkaStringLength(utf8.count, flexible: flexible)
            self.writeString(string)
            return
        }
        // Longer than a length can say (a repaired string grows: U+FFFD is three bytes for one
        // bad one). Cut after the last whole code point that fits, so the frame stays readable.
        var end = utf8.index(utf8.startIndex, offsetBy: Self.maxKafkaStringLength)
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) {
            end = utf8.index(before: end)
        }
        let prefix = utf8[..<end]
        self.writeKafkaStringLength(prefix.count, flexible: flexible)
        self.writeBytes(prefix)
    }

    private mutating func writeKafkaStringLength(_ count: Int, flexible: Bool) {
        if flexible {
            self.writeUnsignedVarint(UInt32(count + 1))
        } else {
            self.writeInteger(Int16(count))
        }
    }

    public mutating func readKafkaNullableBytes(flexible: Bool) throws -> [UInt8]? {
        guard let length = try self.readKafkaLength(flexible: flexible, classicWidth16: false) else { return nil }
        guard let bytes = self.readBytes(length: length) else { throw WireError.truncated("bytes") }
        return bytes
    }

    public mutating func readKafkaBytes(flexible: Bool) throws -> [UInt8] {
        try self.readKafkaNullableBytes(flexible: flexible) ?? []
    }

    public mutating func writeKafkaBytes(_ bytes: [UInt8]?, flexible: Bool) {
        guard let bytes else {
            self.writeKafkaNullLength(flexible: flexible)
            return
        }
        self.writeKafkaArrayCount(bytes.count, flexible: flexible)
        self.writeBytes(bytes)
    }

    /// Record batches stay a slice of the request buffer: they are stored as received.
    public mutating func readKafkaRecords(flexible: Bool) throws -> ByteBuffer? {
        guard let length = try self.readKafkaLength(flexible: flexible, classicWidth16: false) else { return nil }
        guard let slice = self.readSlice(length: length) else { throw WireError.truncated("records") }
        return slice
    }

    public mutating func writeKafkaRecords(_ records: ByteBuffer?, flexible: Bool) {
        guard var records else {
            self.writeKafkaNullLength(flexible: flexible)
            return
        }
        self.writeKafkaArrayCount(records.readableBytes, flexible: flexible)
        self.writeBuffer(&records)
    }

    /// An array's element count; `nil` for a null array. Rejects counts that could not fit in what
    /// is left of the buffer (every element takes at least one byte), so hostile input cannot make
    /// a decoder reserve gigabytes.
    public mutating func readKafkaArrayCount(flexible: Bool) throws -> Int? {
        guard let count = try self.readKafkaLength(flexible: flexible, classicWidth16: false) else { return nil }
        if count > self.readableBytes { throw WireError.invalid("array count \(count) exceeds remaining bytes") }
        return count
    }

    public mutating func writeKafkaArrayCount(_ count: Int, flexible: Bool) {
        if flexible {
            self.writeUnsignedVarint(UInt32(count + 1))
        } else {
            self.writeInteger(Int32(count))
        }
    }

    public mutating func writeKafkaNullArray(flexible: Bool) {
        self.writeKafkaNullLength(flexible: flexible)
    }

    mutating func writeKafkaNullLength(flexible: Bool) {
        if flexible { self.writeInteger(UInt8(0)) } else { self.writeInteger(Int32(-1)) }
    }

    /// Reads a tagged-field section, handing each field's bytes to `body` (which may ignore them).
    public mutating func readKafkaTaggedFields(_ body: (UInt32, inout ByteBuffer) throws -> Void) throws {
        guard let count = self.readUnsignedVarint() else { throw WireError.truncated("tagged field count") }
        for _ in 0..<count {
            guard let tag = self.readUnsignedVarint(), let size = self.readUnsignedVarint() else {
                throw WireError.truncated("tagged field header")
            }
            guard var field = self.readSlice(length: Int(size)) else { throw WireError.truncated("tagged field") }
            try body(tag, &field)
        }
    }

    public mutating func skipKafkaTaggedFields() throws {
        try self.readKafkaTaggedFields { _, _ in }
    }
}
