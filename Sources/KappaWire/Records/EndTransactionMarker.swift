import NIOCore

/// The one record of a control batch that ends a transaction in a partition (Kafka's
/// `EndTransactionMarker` and `ControlRecordType`): key `int16 version, int16 type` (0 ABORT,
/// 1 COMMIT), value `int16 version, int32 coordinatorEpoch`. Consumers never see it as a record;
/// they use it to drop an aborted transaction's records and to step past it.
public struct EndTransactionMarker: Sendable, Equatable {
    public enum Kind: Int16, Sendable {
        case abort = 0
        case commit = 1
    }

    public var kind: Kind
    public var coordinatorEpoch: Int32

    public init(kind: Kind, coordinatorEpoch: Int32 = 0) {
        self.kind = kind
        self.coordinatorEpoch = coordinatorEpoch
    }

    /// Reads the marker from a control record's key and value; nil for another control type
    /// (Kafka has others, such as the KRaft ones, that are not transaction markers).
    public init?(key: [UInt8]?, value: [UInt8]?) {
        guard let key, key.count >= 4 else { return nil }
        let type = Int16(bitPattern: UInt16(key[2]) << 8 | UInt16(key[3]))
        guard let kind = Kind(rawValue: type) else { return nil }
        var epoch: Int32 = 0
        if let value, value.count >= 6 {
            epoch = Int32(bitPattern: UInt32(value[2]) << 24 | UInt32(value[3]) << 16 | UInt32(value[4]) << 8 | UInt32(value[5]))
        }
        self.init(kind: kind, coordinatorEpoch: epoch)
    }

    public var key: [UInt8] { [0, 0, 0, UInt8(self.kind.rawValue)] }

    public var value: [UInt8] {
        let e = UInt32(bitPattern: self.coordinatorEpoch)
        return [0, 0, UInt8(e >> 24), UInt8(e >> 16 & 0xff), UInt8(e >> 8 & 0xff), UInt8(e & 0xff)]
    }

    /// A whole control batch holding this marker, as the coordinator writes it: transactional and
    /// control bits set, the producer's id and epoch, no sequence.
    public func batch(producerId: Int64, producerEpoch: Int16, timestamp: Int64) -> ByteBuffer {
        var buffer = ByteBuffer()
        RecordBatch.encode(
            records: [Record(timestampDelta: 0, offsetDelta: 0, key: self.key, value: self.value, headers: [])],
            baseTimestamp: timestamp, attributes: 0x30, producerId: producerId, producerEpoch: producerEpoch,
            baseSequence: -1, into: &buffer)
        return buffer
    }

    /// The marker of a stored control batch (its first record), if it is one.
    public static func parse(batch buffer: ByteBuffer, at index: Int) -> EndTransactionMarker? {
        guard let batch = try? RecordBatch(parsing: buffer, at: index, verifyCRC: false),
              batch.header.isControl, let record = batch.records.first else { return nil }
        return EndTransactionMarker(key: record.key, value: record.value)
    }
}
