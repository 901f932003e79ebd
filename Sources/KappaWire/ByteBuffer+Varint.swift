import NIOCore

/// Variable-length integers as Kafka writes them: unsigned LEB128 (`uvarint`, used by compact
/// lengths and tagged fields) and zigzag-encoded signed forms (`varint`/`varlong`, used inside records).
extension ByteBuffer {
    @inlinable
    public mutating func writeUnsignedVarint(_ value: UInt32) {
        var v = value
        while v >= 0x80 {
            self.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        self.writeInteger(UInt8(v))
    }

    @inlinable
    public mutating func writeUnsignedVarlong(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            self.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        self.writeInteger(UInt8(v))
    }

    @inlinable
    public mutating func writeVarint(_ value: Int32) {
        self.writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    @inlinable
    public mutating func writeVarlong(_ value: Int64) {
        self.writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Reads an unsigned LEB128 of at most 5 bytes; `nil` on truncation or overlong encoding
    /// (the reader index is left unchanged then).
    @inlinable
    public mutating func readUnsignedVarint() -> UInt32? {
        guard let value = self.readUnsignedVarlong(maxBytes: 5), value <= UInt64(UInt32.max) else { return nil }
        return UInt32(value)
    }

    @inlinable
    public mutating func readUnsignedVarlong(maxBytes: Int = 10) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = self.readerIndex
        for _ in 0..<maxBytes {
            guard let byte: UInt8 = self.getInteger(at: index) else { return nil }
            index += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                self.moveReaderIndex(to: index)
                return result
            }
            shift += 7
        }
        return nil
    }

    @inlinable
    public mutating func readVarint() -> Int32? {
        guard let raw = self.readUnsignedVarint() else { return nil }
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable
    public mutating func readVarlong() -> Int64? {
        guard let raw = self.readUnsignedVarlong() else { return nil }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}
