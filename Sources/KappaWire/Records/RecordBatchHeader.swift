import NIOCore

/// The fixed 61-byte header of a magic-2 record batch (`DefaultRecordBatch` in Kafka).
///
/// The broker stores batches exactly as produced and only ever needs this header: to validate
/// the batch, assign offsets, index it and check producer sequences. Records stay opaque bytes.
public struct RecordBatchHeader: Sendable, Equatable, Hashable {
    /// Bytes in the header; the first record starts here.
    public static let size = 61
    /// Bytes before the CRC-covered part (baseOffset .. crc); the CRC covers [21, totalSize).
    public static let crcCoverageStart = 21
    /// `batchLength` counts the bytes after the length field itself.
    public static let lengthFieldEnd = 12
    /// The smallest valid `batchLength`: a header with no records.
    public static let minimumBatchLength = Int32(size - lengthFieldEnd)
    /// The only batch format this broker accepts.
    public static let currentMagic: Int8 = 2

    /// Byte offsets of the fields, relative to the start of the batch.
    enum FieldOffset {
        static let baseOffset = 0
        static let batchLength = 8
        static let partitionLeaderEpoch = 12
        static let magic = 16
        static let crc = 17
        static let attributes = 21
        static let lastOffsetDelta = 23
        static let baseTimestamp = 27
        static let maxTimestamp = 35
        static let producerId = 43
        static let producerEpoch = 51
        static let baseSequence = 53
        static let recordCount = 57
    }

    public let baseOffset: Int64
    /// Bytes after this field: `totalSize - 12`.
    public let batchLength: Int32
    public let partitionLeaderEpoch: Int32
    public let magic: Int8
    public let crc: UInt32
    public let attributes: Int16
    public let lastOffsetDelta: Int32
    public let baseTimestamp: Int64
    public let maxTimestamp: Int64
    public let producerId: Int64
    public let producerEpoch: Int16
    public let baseSequence: Int32
    public let recordCount: Int32

    /// Creates a header from its fields, without validation (for builders and tests).
    public init(
        baseOffset: Int64,
        batchLength: Int32,
        partitionLeaderEpoch: Int32,
        magic: Int8 = RecordBatchHeader.currentMagic,
        crc: UInt32,
        attributes: Int16,
        lastOffsetDelta: Int32,
        baseTimestamp: Int64,
        maxTimestamp: Int64,
        producerId: Int64,
        producerEpoch: Int16,
        baseSequence: Int32,
        recordCount: Int32
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Reads the header of the batch starting at the absolute index `index`, without moving the
    /// reader index and without checking the CRC (see `crcMatches(in:at:)`).
    ///
    /// - Throws: `WireError.truncated` if fewer than 61 bytes are readable at `index`;
    ///   `WireError.invalid` if the magic is not 2, `batchLength` is below 49, the codec is unknown,
    ///   or `lastOffsetDelta`/`recordCount` is negative.
    public init(parsing buffer: ByteBuffer, at index: Int) throws {
        guard index >= buffer.readerIndex, buffer.writerIndex - index >= Self.size else {
            let available = max(0, buffer.writerIndex - index)
            throw WireError.truncated("record batch header at \(index): \(available) of \(Self.size) bytes")
        }
        func get<T: FixedWidthInteger>(_ offset: Int, as type: T.Type = T.self) -> T {
            // In range: checked by the guard above.
            buffer.getInteger(at: index + offset, as: T.self) ?? 0
        }
        let magic: Int8 = get(FieldOffset.magic)
        guard magic == Self.currentMagic else {
            throw WireError.invalid("record batch at \(index): magic \(magic), only magic 2 is supported")
        }
        let batchLength: Int32 = get(FieldOffset.batchLength)
        guard batchLength >= Self.minimumBatchLength else {
            throw WireError.invalid("record batch at \(index): batchLength \(batchLength) < \(Self.minimumBatchLength)")
        }
        let attributes: Int16 = get(FieldOffset.attributes)
        guard CompressionCodec(rawValue: attributes & 0x07) != nil else {
            throw WireError.invalid("record batch at \(index): unknown compression codec \(attributes & 0x07)")
        }
        let lastOffsetDelta: Int32 = get(FieldOffset.lastOffsetDelta)
        let recordCount: Int32 = get(FieldOffset.recordCount)
        guard lastOffsetDelta >= 0, recordCount >= 0 else {
            throw WireError.invalid(
                "record batch at \(index): negative lastOffsetDelta \(lastOffsetDelta) or recordCount \(recordCount)"
            )
        }
        self.init(
            baseOffset: get(FieldOffset.baseOffset),
            batchLength: batchLength,
            partitionLeaderEpoch: get(FieldOffset.partitionLeaderEpoch),
            magic: magic,
            crc: get(FieldOffset.crc),
            attributes: attributes,
            lastOffsetDelta: lastOffsetDelta,
            baseTimestamp: get(FieldOffset.baseTimestamp),
            maxTimestamp: get(FieldOffset.maxTimestamp),
            producerId: get(FieldOffset.producerId),
            producerEpoch: get(FieldOffset.producerEpoch),
            baseSequence: get(FieldOffset.baseSequence),
            recordCount: recordCount
        )
    }

    /// The magic byte of the batch at `index`, if readable; lets a caller tell an old message
    /// format (answer UNSUPPORTED_FOR_MESSAGE_FORMAT) from a corrupt batch (CORRUPT_MESSAGE).
    public static func peekMagic(in buffer: ByteBuffer, at index: Int) -> Int8? {
        guard index >= buffer.readerIndex else { return nil }
        return buffer.getInteger(at: index + FieldOffset.magic, as: Int8.self)
    }

    /// Bytes of the whole batch, header included.
    public var totalSize: Int { Self.lengthFieldEnd + Int(self.batchLength) }

    /// The offset of the last record (the batch covers `baseOffset...lastOffset`).
    public var lastOffset: Int64 { self.baseOffset &+ Int64(self.lastOffsetDelta) }

    /// The codec of the records section. Unknown codecs are rejected while parsing, so the
    /// fallback is only reachable for headers built by hand.
    public var compression: CompressionCodec { CompressionCodec(rawValue: self.attributes & 0x07) ?? .none }

    public var timestampType: TimestampType { (self.attributes & 0x08) != 0 ? .logAppendTime : .createTime }

    public var isTransactional: Bool { (self.attributes & 0x10) != 0 }

    public var isControl: Bool { (self.attributes & 0x20) != 0 }

    public var hasDeleteHorizon: Bool { (self.attributes & 0x40) != 0 }

    /// The sequence number of the last record, wrapping from Int32.max to 0 as producers do;
    /// -1 when the batch carries no sequence.
    public var lastSequence: Int32 {
        guard self.baseSequence >= 0 else { return -1 }
        return Self.incrementSequence(self.baseSequence, by: self.lastOffsetDelta)
    }

    /// `sequence + increment` modulo 2^31 (Kafka's `DefaultRecordBatch.incrementSequence`).
    public static func incrementSequence(_ sequence: Int32, by increment: Int32) -> Int32 {
        if sequence > Int32.max - increment {
            return increment - (Int32.max - sequence) - 1
        }
        return sequence + increment
    }

    /// Whether the stored CRC matches the bytes [index+21, index+totalSize) of `buffer`;
    /// `false` if those bytes are not all readable.
    public func crcMatches(in buffer: ByteBuffer, at index: Int) -> Bool {
        guard let computed = self.computedCRC(in: buffer, at: index) else { return false }
        return computed == self.crc
    }

    /// The CRC-32C of this batch's CRC-covered bytes in `buffer`, or `nil` if they are not readable.
    public func computedCRC(in buffer: ByteBuffer, at index: Int) -> UInt32? {
        CRC32C.checksum(buffer, range: (index + Self.crcCoverageStart)..<(index + self.totalSize))
    }

    /// A copy with the fields the broker assigns on append replaced; both are outside the CRC.
    public func assigning(baseOffset: Int64, partitionLeaderEpoch: Int32) -> RecordBatchHeader {
        RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: self.batchLength,
            partitionLeaderEpoch: partitionLeaderEpoch,
            magic: self.magic,
            crc: self.crc,
            attributes: self.attributes,
            lastOffsetDelta: self.lastOffsetDelta,
            baseTimestamp: self.baseTimestamp,
            maxTimestamp: self.maxTimestamp,
            producerId: self.producerId,
            producerEpoch: self.producerEpoch,
            baseSequence: self.baseSequence,
            recordCount: self.recordCount
        )
    }

    /// Writes the 61 header bytes (with this header's `crc`, which the caller must have computed).
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.baseOffset)
        buffer.writeInteger(self.batchLength)
        buffer.writeInteger(self.partitionLeaderEpoch)
        buffer.writeInteger(self.magic)
        buffer.writeInteger(self.crc)
        buffer.writeInteger(self.attributes)
        buffer.writeInteger(self.lastOffsetDelta)
        buffer.writeInteger(self.baseTimestamp)
        buffer.writeInteger(self.maxTimestamp)
        buffer.writeInteger(self.producerId)
        buffer.writeInteger(self.producerEpoch)
        buffer.writeInteger(self.baseSequence)
        buffer.writeInteger(self.recordCount)
    }
}
