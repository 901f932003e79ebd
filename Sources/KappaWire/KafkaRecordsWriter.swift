import NIOCore

/// Writes the `records` fields of a message while it is encoded. The inline writer copies the bytes
/// into the buffer; a broker can instead write only the length and send the bytes from the log file
/// itself (zero-copy file regions), so a large Fetch answer is never copied into memory.
public protocol KafkaRecordsWriter {
    /// Called once per `records` field, in encoding order, where the field's length and bytes go.
    mutating func writeRecords(_ records: ByteBuffer?, to buffer: inout ByteBuffer, flexible: Bool)
}

/// Writes record bytes into the message buffer, as the protocol lays them out.
public struct InlineRecordsWriter: KafkaRecordsWriter {
    public init() {}

    public mutating func writeRecords(_ records: ByteBuffer?, to buffer: inout ByteBuffer, flexible: Bool) {
        buffer.writeKafkaRecords(records, flexible: flexible)
    }
}
