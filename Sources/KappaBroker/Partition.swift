import KappaLog
import KappaWire
import NIOCore
import Synchronization

/// One partition of a topic: its log, its idempotent-producer state and the fetches parked on it.
/// The log is not thread-safe, so every access goes through this partition's lock; partitions never
/// share a lock, so producers to different partitions do not contend.
public final class Partition: Sendable {
    public let topic: String
    public let index: Int32
    private let state: Mutex<State>

    struct State: ~Copyable {
        var log: PartitionLog
        var producers = ProducerStateTable()
        var waiters: [FetchWaiter] = []
    }

    /// The outcome of a produce to this partition, as the Produce response reports it.
    public struct AppendResult: Sendable, Equatable {
        public var error: ErrorCode
        public var baseOffset: Int64
        public var logStartOffset: Int64
        public var message: String?
    }

    public struct Offsets: Sendable, Equatable {
        public var logStart: Int64
        public var logEnd: Int64
    }

    init(topic: String, index: Int32, log: PartitionLog) {
        self.topic = topic
        self.index = index
        var producers = ProducerStateTable()
        // Rebuild idempotence state from the stored batch headers so a producer retrying across a
        // broker restart still gets its original offsets back.
        log.forEachBatchHeader { header in
            if header.producerId >= 0 { producers.record(header, baseOffset: header.baseOffset) }
        }
        self.state = Mutex(State(log: log, producers: producers))
    }

    public var offsets: Offsets {
        self.state.withLock { Offsets(logStart: $0.log.logStartOffset, logEnd: $0.log.logEndOffset) }
    }

    /// Appends the batches of one Produce partition entry, after size and sequence checks.
    func append(_ records: ByteBuffer, maxMessageBytes: Int, now: Int64) -> AppendResult {
        let (result, waiters) = self.state.withLock { state -> (AppendResult, [FetchWaiter]) in
            let logStart = state.log.logStartOffset
            func failure(_ code: ErrorCode, _ message: String?) -> AppendResult {
                AppendResult(error: code, baseOffset: -1, logStartOffset: logStart, message: message)
            }
            // Headers first: sizes and sequences decide before a byte is written.
            var headers: [RecordBatchHeader] = []
            var position = records.readerIndex
            while position < records.writerIndex {
                if let magic = records.getInteger(at: position + 16, as: Int8.self), magic != 2 {
                    return (failure(.unsupportedForMessageFormat, "magic \(magic) batches are not supported; use magic 2"), [])
                }
                let header: RecordBatchHeader
                do {
                    header = try RecordBatchHeader(parsing: records, at: position)
                } catch {
                    return (failure(.corruptMessage, "\(error)"), [])
                }
                if header.totalSize > maxMessageBytes {
                    return (failure(.messageTooLarge, "batch of \(header.totalSize) bytes exceeds max.message.bytes \(maxMessageBytes)"), [])
                }
                headers.append(header)
                position += header.totalSize
            }
            guard !headers.isEmpty else { return (failure(.corruptMessage, "no record batch"), []) }
            var producers = state.producers
            for header in headers {
                switch producers.check(header) {
                case .append:
                    producers.record(header, baseOffset: -1)
                case .duplicate(let baseOffset):
                    return (AppendResult(error: .none, baseOffset: baseOffset, logStartOffset: logStart, message: nil), [])
                case .reject(let code):
                    return (failure(code, nil), [])
                }
            }
            let info: LogAppendInfo
            do {
                info = try state.log.append(records, now: now)
            } catch let error as LogError {
                switch error {
                case .corruptBatch(let why): return (failure(.corruptMessage, why), [])
                default: return (failure(.kafkaStorageError, "\(error)"), [])
                }
            } catch {
                return (failure(.corruptMessage, "\(error)"), [])
            }
            for batch in info.batches {
                state.producers.record(batch, baseOffset: batch.baseOffset)
            }
            let waiters = state.waiters
            state.waiters.removeAll()
            return (AppendResult(error: .none, baseOffset: info.firstOffset, logStartOffset: logStart, message: nil), waiters)
        }
        for waiter in waiters { waiter.wake() }
        return result
    }

    /// Whole batches from the one containing `offset`, with the offsets the Fetch response reports.
    func read(from offset: Int64, maxBytes: Int) throws -> (records: ByteBuffer, offsets: Offsets) {
        try self.state.withLock { state in
            let records = try state.log.read(from: offset, maxBytes: maxBytes)
            return (records, Offsets(logStart: state.log.logStartOffset, logEnd: state.log.logEndOffset))
        }
    }

    /// Parks a fetch until the next append, unless the log already moved past what the fetch saw.
    /// Returns false (and does not park) in that case, so no append can slip between read and park.
    func park(_ waiter: FetchWaiter, ifLogEndIs seenEnd: Int64) -> Bool {
        self.state.withLock { state in
            guard state.log.logEndOffset == seenEnd else { return false }
            state.waiters.removeAll { $0.isDone }
            state.waiters.append(waiter)
            return true
        }
    }

    func offset(forTimestamp timestamp: Int64) -> (offset: Int64, timestamp: Int64)? {
        self.state.withLock { $0.log.offset(forTimestamp: timestamp) }
    }

    var maxTimestamp: (offset: Int64, timestamp: Int64)? {
        self.state.withLock { $0.log.maxTimestamp }
    }

    func deleteRecords(before offset: Int64) throws -> Int64 {
        try self.state.withLock { state in
            try state.log.deleteRecords(before: offset)
            return state.log.logStartOffset
        }
    }

    func maintain(now: Int64) throws {
        try self.state.withLock { state in
            try state.log.flushIfDue(now: now)
            _ = try state.log.enforceRetention(now: now)
        }
    }

    func flush() throws {
        try self.state.withLock { try $0.log.flush() }
    }

    func close() throws {
        let waiters = self.state.withLock { state -> [FetchWaiter] in
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.wake() }
        try self.state.withLock { try $0.log.close() }
    }

    func deleteFromDisk() throws {
        try self.close()
        try self.state.withLock { try $0.log.deleteFromDisk() }
    }
}
