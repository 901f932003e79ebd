/// Why a partition log operation failed. The broker maps these to Kafka error codes.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A produced batch failed validation (truncated, bad magic, bad CRC, bad length): CORRUPT_MESSAGE.
    case corruptBatch(String)
    /// A read outside `[logStart, logEnd]`: OFFSET_OUT_OF_RANGE.
    case offsetOutOfRange(requested: Int64, logStart: Int64, logEnd: Int64)
    /// A file operation failed; the message names the path and `strerror`: KAFKA_STORAGE_ERROR.
    case storage(String)
    /// Another process (or another open log in this one) holds the partition directory.
    case locked(String)
    /// A single batch larger than a whole segment: RECORD_BATCH_TOO_LARGE.
    case recordBatchTooLarge(size: Int, segmentBytes: Int)
    /// The log was closed (or deleted) and cannot be used any more.
    case closed(String)

    public var description: String {
        switch self {
        case .corruptBatch(let why): return "corrupt record batch: \(why)"
        case .offsetOutOfRange(let requested, let logStart, let logEnd):
            return "offset \(requested) is outside the log [\(logStart), \(logEnd)]"
        case .storage(let why): return "storage error: \(why)"
        case .locked(let what): return "partition log is locked: \(what)"
        case .recordBatchTooLarge(let size, let segmentBytes):
            return "record batch of \(size) bytes is larger than segment.bytes \(segmentBytes)"
        case .closed(let what): return "partition log is closed: \(what)"
        }
    }
}
