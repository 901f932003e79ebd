import KappaLog
import KappaWire
import Logging
import NIOCore
import Synchronization

/// One partition of a topic: its log, its idempotent-producer state, the fetches parked on it and the
/// produces waiting for a sync. The log is not thread-safe, so every access goes through this
/// partition's lock; partitions never share a lock, so producers to different partitions do not
/// contend. Nothing blocks on the disk while the lock is held: syncs run outside it (`flush`).
public final class Partition: Sendable {
    public let topic: String
    public let index: Int32
    private let state: Mutex<State>

    struct State: ~Copyable {
        var log: PartitionLog
        var producers = ProducerStateTable()
        var transactions = PartitionTransactions()
        var waiters: [FetchWaiter] = []
        /// Produces waiting for their records to be synced (`whenSynced`).
        var syncWaiters: [SyncWaiter] = []
        /// A flush for `syncWaiters` is queued on the flusher and has not begun yet.
        var isFlushQueued = false
        /// A compaction pass of this log is offered to or running on the `LogCleanerThread`.
        var isCleaning = false
        /// After a failed pass (damaged data, a full disk) the log is not offered again before this.
        var cleanerBackoffUntil: Int64 = 0
    }

    struct SyncWaiter {
        /// Answered once `log.syncedOffset` is above this offset.
        var offset: Int64
        var promise: EventLoopPromise<Void>
    }

    /// The outcome of a produce to this partition, as the Produce response reports it.
    public struct AppendResult: Sendable, Equatable {
        public var error: ErrorCode
        public var baseOffset: Int64
        public var logStartOffset: Int64
        public var message: String?
        /// The broker's clock stamped on the batches (LogAppendTime topics), else -1.
        public var logAppendTimeMs: Int64 = -1
    }

    public struct Offsets: Sendable, Equatable {
        public var logStart: Int64
        public var logEnd: Int64
        /// The last stable offset: `logEnd` unless a transaction is open here.
        public var lastStable: Int64

        public init(logStart: Int64, logEnd: Int64, lastStable: Int64? = nil) {
            self.logStart = logStart
            self.logEnd = logEnd
            self.lastStable = lastStable ?? logEnd
        }
    }

    /// What DescribeProducers reports of one producer.
    public struct ActiveProducer: Sendable, Equatable {
        public var producerId: Int64
        public var epoch: Int16
        public var lastSequence: Int32
        public var lastTimestamp: Int64
        public var coordinatorEpoch: Int32
        /// First offset of its open transaction here, -1 if none.
        public var currentTxnStartOffset: Int64
    }

    init(topic: String, index: Int32, log: PartitionLog) {
        self.topic = topic
        self.index = index
        // Idempotence state survives a restart so a producer retrying across it still gets its original
        // offsets back: from the clean shutdown's snapshot, else rebuilt from the stored batch headers.
        let snapshot = log.directory.flatMap { ProducerStateSnapshot.take(from: $0) }
        var producers: ProducerStateTable
        var transactions = PartitionTransactions()
        if let snapshot, snapshot.logEndOffset == log.logEndOffset, let table = snapshot.table {
            producers = table
            transactions = snapshot.transactions ?? PartitionTransactions()
        } else {
            producers = ProducerStateTable()
            log.forEachBatchHeaderAndMarker { header, marker in
                guard header.producerId >= 0 else { return }
                producers.record(header, baseOffset: header.baseOffset, marker: marker)
                transactions.record(header, marker: marker)
            }
        }
        transactions.dropAborted(below: log.logStartOffset)
        self.state = Mutex(State(log: log, producers: producers, transactions: transactions))
    }

    public var offsets: Offsets {
        self.state.withLock { Self.offsets(of: $0) }
    }

    private static func offsets(of state: borrowing State) -> Offsets {
        let logEnd = state.log.logEndOffset
        return Offsets(logStart: state.log.logStartOffset, logEnd: logEnd,
                       lastStable: state.transactions.lastStableOffset(logEnd: logEnd))
    }

    /// The producers that wrote here and are still remembered, with their open transactions.
    var activeProducers: [ActiveProducer] {
        self.state.withLock { state in
            state.producers.entries.sorted { $0.key < $1.key }.map { id, entry in
                ActiveProducer(producerId: id, epoch: entry.epoch, lastSequence: entry.lastSequence,
                               lastTimestamp: entry.lastTimestamp, coordinatorEpoch: entry.coordinatorEpoch,
                               currentTxnStartOffset: state.transactions.ongoingStart(of: id) ?? -1)
            }
        }
    }

    /// Where `producerId`'s open transaction begins here, if it has one.
    func ongoingTransaction(of producerId: Int64) -> Int64? {
        self.state.withLock { $0.transactions.ongoingStart(of: producerId) }
    }

    /// Producer ids with an open transaction here, with the epoch they wrote it with.
    var ongoingTransactions: [(producerId: Int64, epoch: Int16, firstOffset: Int64)] {
        self.state.withLock { state in
            state.transactions.ongoing.sorted { $0.key < $1.key }.map { id, first in
                (id, state.producers.entries[id]?.epoch ?? 0, first)
            }
        }
    }

    /// Every offset below this is on stable storage (see `PartitionLog.syncedOffset`).
    var syncedOffset: Int64 {
        self.state.withLock { $0.log.syncedOffset }
    }

    /// Applies changed topic configs (AlterConfigs, broker defaults): later appends, rolls and
    /// retention runs follow them.
    func reconfigure(_ config: LogConfig) {
        self.state.withLock { $0.log.config = config }
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
                if header.isControl {
                    return (failure(.invalidRecord, "control batches are written by the transaction coordinator, not by clients"), [])
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
            // message.timestamp.type=LogAppendTime: every batch carries the broker's clock instead.
            let logAppendTime = state.log.config.messageTimestampType == .logAppendTime
            let stamped: ByteBuffer
            do {
                stamped = logAppendTime ? try PartitionLog.stampingLogAppendTime(records, now: now) : records
            } catch {
                return (failure(.corruptMessage, "\(error)"), [])
            }
            let info: LogAppendInfo
            do {
                info = try state.log.append(stamped, now: now)
            } catch let error as LogError {
                switch error {
                case .corruptBatch(let why): return (failure(.corruptMessage, why), [])
                // A batch larger than the topic's segment.bytes (Kafka: RECORD_LIST_TOO_LARGE).
                case .recordBatchTooLarge: return (failure(.recordListTooLarge, "\(error)"), [])
                default: return (failure(.kafkaStorageError, "\(error)"), [])
                }
            } catch {
                return (failure(.corruptMessage, "\(error)"), [])
            }
            for batch in info.batches {
                state.producers.record(batch, baseOffset: batch.baseOffset)
                state.transactions.record(batch, marker: nil)
            }
            let waiters = state.waiters
            state.waiters.removeAll()
            return (AppendResult(error: .none, baseOffset: info.firstOffset, logStartOffset: logStart, message: nil,
                                 logAppendTimeMs: logAppendTime ? now : -1), waiters)
        }
        for waiter in waiters { waiter.wake() }
        return result
    }

    /// Writes a COMMIT or ABORT marker for `producerId` (the coordinator's part of EndTxn, or
    /// WriteTxnMarkers). The LSO moves past the transaction, and parked fetches wake to see it.
    func appendMarker(_ marker: EndTransactionMarker, producerId: Int64, epoch: Int16, now: Int64) -> AppendResult {
        let batch = marker.batch(producerId: producerId, producerEpoch: epoch, timestamp: now)
        let (result, waiters) = self.state.withLock { state -> (AppendResult, [FetchWaiter]) in
            let logStart = state.log.logStartOffset
            guard let header = try? RecordBatchHeader(parsing: batch, at: batch.readerIndex) else {
                return (AppendResult(error: .corruptMessage, baseOffset: -1, logStartOffset: logStart, message: "bad marker"), [])
            }
            if case .reject(let code) = state.producers.check(header) {
                return (AppendResult(error: code, baseOffset: -1, logStartOffset: logStart,
                                     message: "marker epoch \(epoch) is older than the producer's"), [])
            }
            let info: LogAppendInfo
            do {
                info = try state.log.append(batch, now: now)
            } catch {
                return (AppendResult(error: .kafkaStorageError, baseOffset: -1, logStartOffset: logStart, message: "\(error)"), [])
            }
            for appended in info.batches {
                state.producers.record(appended, baseOffset: appended.baseOffset, marker: marker)
                state.transactions.record(appended, marker: marker)
            }
            let waiters = state.waiters
            state.waiters.removeAll()
            return (AppendResult(error: .none, baseOffset: info.firstOffset, logStartOffset: logStart, message: nil), waiters)
        }
        for waiter in waiters { waiter.wake() }
        return result
    }

    /// What a Fetch gets, in one look at the log: whole batches from the one holding `offset`; for
    /// read_committed only those below the LSO (LSOs fall on batch boundaries), with the aborted
    /// transactions among them, which the consumer drops. Stable data (no open transaction, no
    /// aborted one at or past `offset`) keeps the zero-copy path when `minimumFileBytes` is given.
    func fetch(from offset: Int64, maxBytes: Int, minimumFileBytes: Int?, readCommitted: Bool) throws
        -> (records: LogChunk, offsets: Offsets, aborted: [PartitionTransactions.Aborted])
    {
        try self.state.withLock { state in
            let offsets = Self.offsets(of: state)
            let stable = state.transactions.ongoing.isEmpty
                && state.transactions.abortedTransactions(from: offset, to: Int64.max).isEmpty
            guard readCommitted, !stable else {
                if let minimumFileBytes {
                    return (try state.log.readChunk(from: offset, maxBytes: maxBytes, minimumFileBytes: minimumFileBytes), offsets, [])
                }
                return (.bytes(try state.log.read(from: offset, maxBytes: maxBytes)), offsets, [])
            }
            guard offset < offsets.lastStable else {
                if offset < offsets.logStart || offset > offsets.logEnd {
                    throw LogError.offsetOutOfRange(requested: offset, logStart: offsets.logStart, logEnd: offsets.logEnd)
                }
                return (.bytes(ByteBuffer()), offsets, [])
            }
            var records = try state.log.read(from: offset, maxBytes: maxBytes)
            var position = records.readerIndex
            var end = offset
            while position < records.writerIndex,
                  let header = try? RecordBatchHeader(parsing: records, at: position),
                  header.baseOffset < offsets.lastStable
            {
                position += header.totalSize
                end = header.lastOffset + 1
            }
            records.moveWriterIndex(to: position)
            return (.bytes(records), offsets, state.transactions.abortedTransactions(from: offset, to: end))
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
            state.transactions.dropAborted(below: state.log.logStartOffset)
            return state.log.logStartOffset
        }
    }

    /// Periodic work (on the broker's `LogFlusher`): the interval flush if due, then retention; for a
    /// compacted log, rolling an idle active segment older than `segment.ms` and offering the log to
    /// the `LogCleanerThread` when a pass is due.
    func maintain(now: Int64) throws {
        try self.flush(beginningWith: { try $0.log.beginFlushIfDue(now: now) })
        let offer = try self.state.withLock { state -> Double? in
            _ = try state.log.enforceRetention(now: now)
            state.transactions.dropAborted(below: state.log.logStartOffset)
            guard state.log.config.cleanupPolicy.contains(.compact), !state.isCleaning, now >= state.cleanerBackoffUntil
            else { return nil }
            try state.log.rollIfIdle(now: now)
            guard let plan = state.log.cleaningPlan(now: now, firstUnstableOffset: state.transactions.firstUnstableOffset),
                plan.isDue
            else { return nil }
            state.isCleaning = true
            return plan.isOverdue ? 1 + plan.dirtyRatio : plan.dirtyRatio
        }
        if let offer { LogCleanerThread.shared.offer(self, priority: offer) }
    }

    /// How long a log whose pass failed waits before the next (Kafka marks such a log uncleanable).
    static let cleanerBackoffMs: Int64 = 300_000

    /// One compaction pass (on the `LogCleanerThread`): the plan and the aborted transactions are
    /// taken under the lock, the segments are read and rewritten without it, and the lock is taken
    /// again only to swap them in. Failures are logged; the next maintenance offers the log again.
    func clean(mapMemoryBytes: Int) {
        let now = Broker.nowMs()
        let taken = self.state.withLock { state -> (CleaningPlan, [LogCleaner.AbortedRange])? in
            guard let plan = state.log.cleaningPlan(now: now, firstUnstableOffset: state.transactions.firstUnstableOffset)
            else {
                state.isCleaning = false
                return nil
            }
            let aborted = state.transactions.aborted.map {
                LogCleaner.AbortedRange(producerId: $0.producerId, firstOffset: $0.firstOffset, lastOffset: $0.lastOffset)
            }
            return (plan, aborted)
        }
        guard let (plan, aborted) = taken else { return }
        let logger = Logger(label: "kappa.log-cleaner")
        let started = Broker.nowMs()
        logger.info(
            "cleaning \(self.topic)-\(self.index): \(plan.sources.count) segment(s), dirty from offset \(plan.firstDirtyOffset)"
        )
        do {
            guard let result = try LogCleaner.clean(plan, aborted: aborted, mapMemoryBytes: mapMemoryBytes, now: now,
                                                    logger: logger)
            else {
                self.state.withLock { $0.isCleaning = false }
                return
            }
            let swapped = try self.state.withLock { state in
                defer { state.isCleaning = false }
                return try state.log.completeCleaning(result)
            }
            let elapsed = max(1, Broker.nowMs() - started)
            let rate = Double(result.bytesRead) / 1_048_576 / (Double(elapsed) / 1000)
            let message = "cleaned \(self.topic)-\(self.index): \(swapped) segment(s), \(result.bytesRead) bytes read, "
                + "\(result.bytesWritten) written, \(result.recordsRemoved) of \(result.recordsRead) records removed, "
                + "clean up to offset \(result.cleanedUpTo), in \(elapsed) ms (\(Int(rate.rounded())) MB/s)"
            logger.info("\(message)")
        } catch {
            self.state.withLock { state in
                state.isCleaning = false
                state.cleanerBackoffUntil = Broker.nowMs() + Self.cleanerBackoffMs
            }
            logger.error("cleaning \(self.topic)-\(self.index) failed: \(error); next try in \(Self.cleanerBackoffMs / 1000) s")
        }
    }

    /// Syncs everything appended so far. Blocks on the disk (not on an event loop, please).
    func flush() throws {
        try self.flush(beginningWith: { try $0.log.beginFlush() })
    }

    // MARK: Syncing

    /// Succeeds once every record up to `offset` is on stable storage (`--flush always`: a produce is
    /// answered only then), fails if the sync fails. Queues a flush on `flusher` unless one is queued
    /// already; produces arriving while a sync runs share the next one.
    ///
    /// A batch's base offset is enough to wait for the whole batch: a flush covers the log up to its
    /// end offset when it began, and appends are whole under the lock.
    func whenSynced(through offset: Int64, flusher: LogFlusher, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        enum Next { case synced, waitForQueuedFlush, queueFlush }
        let promise = eventLoop.makePromise(of: Void.self)
        let next = self.state.withLock { state -> Next in
            guard state.log.syncedOffset <= offset else { return .synced }
            state.syncWaiters.append(SyncWaiter(offset: offset, promise: promise))
            if state.isFlushQueued { return .waitForQueuedFlush }
            state.isFlushQueued = true
            return .queueFlush
        }
        switch next {
        case .synced:
            promise.succeed(())
        case .waitForQueuedFlush:
            break
        case .queueFlush:
            flusher.async {
                // Whatever is appended after the flag clears gets a flush of its own.
                try? self.flush(beginningWith: { state in
                    state.isFlushQueued = false
                    return try state.log.beginFlush()
                })
            }
        }
        return promise.futureResult
    }

    /// One flush in three steps so the disk wait happens without the lock: `begin` captures the
    /// unsynced files under the lock, `sync()` runs without it, and the outcome is recorded under it
    /// again. Then the waiters it decided are answered: those now synced succeed; if the sync failed,
    /// those it covered fail (their segments stay unsynced for the next flush to retry).
    private func flush(beginningWith begin: (inout State) throws -> PendingFlush?) throws {
        let flush: PendingFlush?
        do {
            flush = try self.state.withLock { try begin(&$0) }
        } catch {
            self.answerSyncWaiters(failure: (below: Int64.max, error: error))
            throw error
        }
        guard let flush else {
            // Nothing unsynced: waiters still here were covered by a flush that has not ended yet.
            self.answerSyncWaiters()
            return
        }
        do {
            try flush.sync()
        } catch {
            self.state.withLock { $0.log.endFlush(flush, succeeded: false) }
            self.answerSyncWaiters(failure: (below: flush.endOffset, error: error))
            throw error
        }
        self.state.withLock { $0.log.endFlush(flush, succeeded: true) }
        self.answerSyncWaiters()
    }

    /// Succeeds the sync waiters below `log.syncedOffset` and fails the others below `failure.below`
    /// with `failure.error`. Promises are completed after the lock is released.
    private func answerSyncWaiters(failure: (below: Int64, error: any Error)? = nil) {
        let (synced, failed) = self.state.withLock { state -> ([SyncWaiter], [SyncWaiter]) in
            guard !state.syncWaiters.isEmpty else { return ([], []) }
            let syncedOffset = state.log.syncedOffset
            var synced: [SyncWaiter] = []
            var failed: [SyncWaiter] = []
            var waiting: [SyncWaiter] = []
            for waiter in state.syncWaiters {
                if waiter.offset < syncedOffset {
                    synced.append(waiter)
                } else if let failure, waiter.offset < failure.below {
                    failed.append(waiter)
                } else {
                    waiting.append(waiter)
                }
            }
            state.syncWaiters = waiting
            return (synced, failed)
        }
        for waiter in synced { waiter.promise.succeed(()) }
        if let failure {
            for waiter in failed { waiter.promise.fail(failure.error) }
        }
    }

    // MARK: Lifecycle

    /// Closes the log (syncing it); parked fetches wake, and produces waiting for a sync are answered
    /// by the outcome of the close's own sync.
    func close() throws {
        let waiters = self.state.withLock { state -> [FetchWaiter] in
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.wake() }
        let (closed, syncWaiters) = self.state.withLock { state -> (Result<Void, any Error>, [SyncWaiter]) in
            let snapshot = ProducerStateSnapshot(table: state.producers, transactions: state.transactions,
                                                 logEndOffset: state.log.logEndOffset)
            let directory = state.log.directory
            let closed = Result {
                try state.log.close()
                // Only after the log is synced and closed: the snapshot claims exactly this log end.
                if let directory, !snapshot.producers.isEmpty { try snapshot.write(to: directory) }
            }
            let syncWaiters = state.syncWaiters
            state.syncWaiters.removeAll()
            return (closed, syncWaiters)
        }
        for waiter in syncWaiters { waiter.promise.completeWith(closed) }
        try closed.get()
    }

    func deleteFromDisk() throws {
        try self.close()
        try self.state.withLock { try $0.log.deleteFromDisk() }
    }
}
