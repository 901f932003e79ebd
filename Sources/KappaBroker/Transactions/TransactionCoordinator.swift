import KappaLog
import KappaWire
import Logging
import NIOCore
import Synchronization

/// Kafka's transaction coordinator for one node (`TransactionCoordinator` with its state manager
/// and marker writer): hands out producer ids and epochs per transactional id, fences older
/// incarnations, tracks each open transaction's partitions, and ends transactions by writing
/// COMMIT/ABORT markers to every partition and completing the offsets the transaction carried.
///
/// Every change is written to the `TransactionLog` before it is answered; a transaction being
/// ended is in PrepareCommit/PrepareAbort until all its markers are written, and requests for its
/// id meanwhile get CONCURRENT_TRANSACTIONS (retriable), as in Kafka. Markers are written before
/// EndTxn is answered (one node: no marker channel), so the next transaction never waits on them.
public final class TransactionCoordinator: Sendable {
    public struct Configuration: Sendable {
        /// The largest `transaction.timeout.ms` a producer may ask for (Kafka's
        /// `transaction.max.timeout.ms`, 15 minutes).
        public var maxTimeoutMs: Int32 = 900_000
        /// How often open transactions are checked against their timeout.
        public var timeoutCheckIntervalMs: Int64 = 250
        /// A transactional id unused this long (no transaction open) is forgotten, as Kafka's
        /// `transactional.id.expiration.ms` (7 days) does; its next producer starts afresh.
        public var idExpirationMs: Int64 = 604_800_000
        /// The transaction log is checkpointed once it holds more records than this (and than 4 per id).
        public var checkpointMinimumRecords: Int64 = 50_000

        public init() {}
    }

    /// The answer to InitProducerId and EndTxn.
    struct ProducerIdAndEpoch: Sendable, Equatable {
        var error: ErrorCode
        var producerId: Int64 = -1
        var epoch: Int16 = -1
    }

    private struct Entry: Sendable {
        var metadata: TransactionMetadata
        /// A change is being written (log, markers): other requests for this id wait.
        var busy = false
    }

    let configuration: Configuration
    let log: TransactionLog
    private let entries = Mutex<[String: Entry]>([:])
    private let producerIds: ProducerIdAllocator
    private let topics: TopicRegistry
    private let offsets: OffsetStore
    private let mustSync: Bool
    private let flusher: LogFlusher
    private let logger: Logger
    let events: TransactionEventLog
    private let timer = Mutex<RepeatedTask?>(nil)

    init(configuration: Configuration, log: TransactionLog, producerIds: ProducerIdAllocator, topics: TopicRegistry,
         offsets: OffsetStore, mustSync: Bool, flusher: LogFlusher, logger: Logger) throws
    {
        self.configuration = configuration
        self.log = log
        self.producerIds = producerIds
        self.topics = topics
        self.offsets = offsets
        self.mustSync = mustSync
        self.flusher = flusher
        self.logger = logger
        self.events = TransactionEventLog(logger: logger)
        let loaded = try log.load()
        self.entries.withLock { entries in
            for (id, metadata) in loaded where metadata.state != .dead {
                entries[id] = Entry(metadata: metadata)
            }
        }
        self.recover()
    }

    static func nowMs() -> Int64 { Broker.nowMs() }

    // MARK: Start-up

    /// Finishes what a crash interrupted: an EndTxn that was answered (PrepareCommit/PrepareAbort
    /// on disk) gets its markers and offsets; open transactions keep running, with their timeout
    /// counted from when they began; a partition holding an open transaction no coordinator entry
    /// knows of (its AddPartitionsToTxn was lost with an unsynced tail) is aborted, as Kafka's
    /// operators do by hand with `kafka-transactions.sh abort`.
    private func recover() {
        let now = Self.nowMs()
        let preparing = self.entries.withLock { entries in entries.values.map(\.metadata).filter { $0.state.isPreparing } }
        for metadata in preparing {
            let commit = metadata.state == .prepareCommit
            do {
                try self.writeMarkersNow(metadata, commit: commit, now: now)
                try self.offsets.complete(producerId: metadata.producerId, commit: commit)
                var done = metadata
                done.state = commit ? .completeCommit : .completeAbort
                done.partitions = []
                done.groups = []
                done.lastUpdateTimestamp = now
                try self.log.writeNow(done, now: now)
                self.entries.withLock { $0[metadata.transactionalId]?.metadata = done }
                self.logger.info("transaction '\(metadata.transactionalId)' \(commit ? "committed" : "aborted") at start-up (its EndTxn was acknowledged before the broker stopped)")
            } catch {
                self.logger.error("completing transaction '\(metadata.transactionalId)' at start-up failed: \(error); retried later")
            }
        }
        // Which producer owns which partition's open transaction, as the coordinator knows it.
        let owned = self.entries.withLock { entries -> Set<String> in
            var owned: Set<String> = []
            for entry in entries.values where entry.metadata.state == .ongoing || entry.metadata.state.isPreparing {
                for member in entry.metadata.partitions { owned.insert("\(entry.metadata.producerId)/\(member.topic)/\(member.partition)") }
            }
            return owned
        }
        for topic in self.topics.all() {
            for partition in topic.partitions {
                for open in partition.ongoingTransactions
                where !owned.contains("\(open.producerId)/\(topic.name)/\(partition.index)") {
                    let result = partition.appendMarker(EndTransactionMarker(kind: .abort), producerId: open.producerId,
                                                        epoch: open.epoch, now: now)
                    if result.error == .none {
                        try? partition.flush()
                        self.logger.warning("\(topic.name)-\(partition.index): aborted a hanging transaction of producer \(open.producerId) from offset \(open.firstOffset) (no coordinator state for it survived the restart)")
                    } else {
                        self.logger.error("\(topic.name)-\(partition.index): cannot abort the hanging transaction of producer \(open.producerId): \(result.error)")
                    }
                }
            }
        }
        // Offsets staged by transactions the coordinator no longer has open cannot commit any more.
        let live = self.entries.withLock { entries in
            Set(entries.values.filter { $0.metadata.state == .ongoing || $0.metadata.state.isPreparing }.map(\.metadata.producerId))
        }
        for producerId in self.offsets.pendingProducerIds where !live.contains(producerId) {
            _ = try? self.offsets.complete(producerId: producerId, commit: false)
        }
    }

    private func writeMarkersNow(_ metadata: TransactionMetadata, commit: Bool, now: Int64) throws {
        for member in metadata.dataPartitions {
            guard let partition = self.topics.partition(member.topic, member.partition),
                  partition.ongoingTransaction(of: metadata.producerId) != nil else { continue }
            let result = partition.appendMarker(EndTransactionMarker(kind: commit ? .commit : .abort),
                                                producerId: metadata.producerId, epoch: metadata.producerEpoch, now: now)
            guard result.error == .none else { throw TransactionLogError.write("marker to \(member.topic)-\(member.partition): \(result.error)") }
            try partition.flush()
        }
    }

    /// Starts the timeout checks and the retries of interrupted completions on `eventLoop`.
    func start(on eventLoop: any EventLoop) {
        let interval = TimeAmount.milliseconds(self.configuration.timeoutCheckIntervalMs)
        let task = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            self.expireAndRetry(now: Self.nowMs(), eventLoop: eventLoop)
        }
        self.timer.withLock { $0 = task }
    }

    func stop() {
        self.timer.withLock { $0?.cancel(); $0 = nil }
    }

    // MARK: InitProducerId

    func initProducerId(transactionalId: String, timeoutMs: Int32, expected: (producerId: Int64, epoch: Int16)?,
                        eventLoop: any EventLoop) -> EventLoopFuture<ProducerIdAndEpoch>
    {
        guard !transactionalId.isEmpty else { return eventLoop.makeSucceededFuture(.init(error: .invalidRequest)) }
        guard timeoutMs > 0, timeoutMs <= self.configuration.maxTimeoutMs else {
            return eventLoop.makeSucceededFuture(.init(error: .invalidTransactionTimeout))
        }
        let now = Self.nowMs()
        enum Plan { case fail(ErrorCode), write(TransactionMetadata, previous: TransactionMetadata?), fence(TransactionMetadata) }
        let plan: Plan
        do {
            plan = try self.entries.withLock { entries -> Plan in
                guard var entry = entries[transactionalId] else {
                    let id = try self.producerIds.next()
                    let metadata = TransactionMetadata(transactionalId: transactionalId, producerId: id, producerEpoch: 0,
                                                       timeoutMs: timeoutMs, state: .empty, lastUpdateTimestamp: now)
                    entries[transactionalId] = Entry(metadata: metadata, busy: true)
                    return .write(metadata, previous: nil)
                }
                if entry.busy { return .fail(.concurrentTransactions) }
                var m = entry.metadata
                if let expected {
                    // KIP-360: a producer recovering from an error names itself; anyone else is fenced.
                    let known = m.producerEpoch < 0 || expected.producerId == m.producerId
                    if !known { return .fail(.producerFenced) }
                }
                switch m.state {
                case .prepareCommit, .prepareAbort:
                    return .fail(.concurrentTransactions)
                case .ongoing:
                    // Fence the running incarnation: bump the epoch and abort its transaction; the
                    // caller retries (CONCURRENT_TRANSACTIONS) and gets the epoch bumped once more.
                    m.producerEpoch = m.producerEpoch &+ (m.producerEpoch == Int16.max ? 0 : 1)
                    m.lastProducerEpoch = -1
                    m.state = .prepareAbort
                    m.lastUpdateTimestamp = now
                    entry.metadata = m
                    entry.busy = true
                    entries[transactionalId] = entry
                    return .fence(m)
                case .empty, .completeCommit, .completeAbort, .dead, .prepareEpochFence:
                    let previous = m
                    if m.isEpochExhausted && (expected == nil || expected?.epoch == m.producerEpoch) {
                        m.producerId = try self.producerIds.next()
                        m.producerEpoch = 0
                        m.lastProducerEpoch = -1
                    } else if let expected {
                        if expected.epoch == m.producerEpoch || m.producerEpoch < 0 {
                            m.lastProducerEpoch = m.producerEpoch
                            m.producerEpoch += 1
                        } else if expected.epoch == m.lastProducerEpoch {
                            // A retry of a bump that succeeded: answer the same epoch again.
                        } else {
                            return .fail(.producerFenced)
                        }
                    } else {
                        m.producerEpoch += 1
                        m.lastProducerEpoch = -1
                    }
                    m.timeoutMs = timeoutMs
                    m.state = .empty
                    m.partitions = []
                    m.groups = []
                    m.startTimestamp = -1
                    m.lastUpdateTimestamp = now
                    entry.metadata = m
                    entry.busy = true
                    entries[transactionalId] = entry
                    return .write(m, previous: previous)
                }
            }
        } catch {
            self.logger.error("cannot allocate a producer id: \(error)")
            return eventLoop.makeSucceededFuture(.init(error: .kafkaStorageError))
        }
        switch plan {
        case .fail(let code):
            return eventLoop.makeSucceededFuture(.init(error: code))
        case .write(let metadata, let previous):
            return self.log.write(metadata, now: now, on: eventLoop).map { _ -> ProducerIdAndEpoch in
                self.finish(transactionalId, with: metadata)
                self.logger.debug("transactional id '\(transactionalId)': producer id \(metadata.producerId), epoch \(metadata.producerEpoch)")
                return .init(error: .none, producerId: metadata.producerId, epoch: metadata.producerEpoch)
            }.flatMapErrorThrowing { error in
                self.logger.error("transactional id '\(transactionalId)': \(error)")
                self.finish(transactionalId, with: previous)
                return .init(error: .coordinatorNotAvailable)
            }
        case .fence(let metadata):
            self.events.note(.fenced, "transaction '\(transactionalId)' fenced by a new producer with the same id: its open transaction is aborted (producer id \(metadata.producerId), epoch now \(metadata.producerEpoch))", now: now)
            return self.complete(metadata, commit: false, now: now, eventLoop: eventLoop).map { _ in
                .init(error: .concurrentTransactions)
            }
        }
    }

    /// Ends a transition: stores `metadata` (or, nil, forgets a new id whose first write failed).
    private func finish(_ transactionalId: String, with metadata: TransactionMetadata?) {
        self.entries.withLock { entries in
            if let metadata {
                entries[transactionalId] = Entry(metadata: metadata, busy: false)
            } else {
                entries.removeValue(forKey: transactionalId)
            }
        }
    }

    // MARK: AddPartitionsToTxn / AddOffsetsToTxn

    /// Checks the producer and adds `members` to its transaction, which begins if none is open.
    func add(_ members: [TransactionMetadata.Member], group: String? = nil, transactionalId: String, producerId: Int64,
             epoch: Int16, eventLoop: any EventLoop) -> EventLoopFuture<ErrorCode>
    {
        guard !transactionalId.isEmpty else { return eventLoop.makeSucceededFuture(.invalidRequest) }
        let now = Self.nowMs()
        enum Plan { case done(ErrorCode), write(TransactionMetadata, previous: TransactionMetadata) }
        let plan = self.entries.withLock { entries -> Plan in
            guard var entry = entries[transactionalId] else { return .done(.invalidProducerIdMapping) }
            let m = entry.metadata
            if m.producerId != producerId { return .done(.invalidProducerIdMapping) }
            if m.producerEpoch != epoch { return .done(.producerFenced) }
            if entry.busy || m.state.isPreparing { return .done(.concurrentTransactions) }
            if m.state == .ongoing, Set(members).isSubset(of: m.partitions) {
                if let group { entry.metadata.groups.insert(group); entries[transactionalId] = entry }
                return .done(.none)
            }
            var next = m
            if next.state != .ongoing {
                next.state = .ongoing
                next.startTimestamp = now
                next.partitions = []
                next.groups = []
            }
            next.partitions.formUnion(members)
            if let group { next.groups.insert(group) }
            next.lastUpdateTimestamp = now
            entry.metadata = next
            entry.busy = true
            entries[transactionalId] = entry
            return .write(next, previous: m)
        }
        switch plan {
        case .done(let code):
            return eventLoop.makeSucceededFuture(code)
        case .write(let metadata, let previous):
            return self.log.write(metadata, now: now, on: eventLoop).map { _ -> ErrorCode in
                self.finish(transactionalId, with: metadata)
                return .none
            }.flatMapErrorThrowing { error in
                self.logger.error("transactional id '\(transactionalId)': \(error)")
                self.finish(transactionalId, with: previous)
                return .coordinatorNotAvailable
            }
        }
    }

    /// Whether `producerId`/`epoch` may commit offsets for `group` in `transactionalId`'s open
    /// transaction (TxnOffsetCommit comes after AddOffsetsToTxn).
    func validateOffsetCommit(transactionalId: String, producerId: Int64, epoch: Int16, group: String) -> ErrorCode {
        self.entries.withLock { entries in
            guard let entry = entries[transactionalId], entry.metadata.producerId == producerId else {
                return .invalidProducerIdMapping
            }
            if epoch < entry.metadata.producerEpoch { return .producerFenced }
            if epoch > entry.metadata.producerEpoch { return .invalidProducerEpoch }
            if entry.metadata.state.isPreparing { return .concurrentTransactions }
            guard entry.metadata.state == .ongoing,
                  entry.metadata.partitions.contains(.init(topic: TransactionMetadata.offsetsTopic,
                                                           partition: TransactionMetadata.offsetsPartition(for: group)))
            else { return .invalidTxnState }
            return .none
        }
    }

    // MARK: EndTxn

    func endTransaction(transactionalId: String, producerId: Int64, epoch: Int16, commit: Bool,
                        eventLoop: any EventLoop) -> EventLoopFuture<ProducerIdAndEpoch>
    {
        guard !transactionalId.isEmpty else { return eventLoop.makeSucceededFuture(.init(error: .invalidRequest)) }
        let now = Self.nowMs()
        enum Plan { case done(ProducerIdAndEpoch), complete(TransactionMetadata) }
        let plan = self.entries.withLock { entries -> Plan in
            guard var entry = entries[transactionalId] else { return .done(.init(error: .invalidProducerIdMapping)) }
            let m = entry.metadata
            if m.producerId != producerId { return .done(.init(error: .invalidProducerIdMapping)) }
            if m.producerEpoch != epoch { return .done(.init(error: .producerFenced)) }
            if entry.busy { return .done(.init(error: .concurrentTransactions)) }
            switch m.state {
            case .ongoing:
                var next = m
                next.state = commit ? .prepareCommit : .prepareAbort
                next.lastUpdateTimestamp = now
                entry.metadata = next
                entry.busy = true
                entries[transactionalId] = entry
                return .complete(next)
            case .completeCommit where commit, .completeAbort where !commit:
                // A retry of an EndTxn that succeeded.
                return .done(.init(error: .none, producerId: m.producerId, epoch: m.producerEpoch))
            case .prepareCommit where commit, .prepareAbort where !commit:
                return .done(.init(error: .concurrentTransactions))
            default:
                return .done(.init(error: .invalidTxnState))
            }
        }
        switch plan {
        case .done(let answer):
            return eventLoop.makeSucceededFuture(answer)
        case .complete(let metadata):
            return self.complete(metadata, commit: commit, now: now, eventLoop: eventLoop).map { error in
                let kind: TransactionEventLog.Kind = commit ? .committed : .aborted
                if error == .none {
                    self.events.note(kind, "transaction '\(transactionalId)' \(kind.rawValue): \(Self.describe(metadata))", now: now)
                }
                return .init(error: error, producerId: metadata.producerId, epoch: metadata.producerEpoch)
            }
        }
    }

    static func describe(_ m: TransactionMetadata) -> String {
        let data = m.dataPartitions
        var text = "\(data.count) partition\(data.count == 1 ? "" : "s")"
        if !data.isEmpty && data.count <= 4 { text += " (" + data.map { "\($0.topic)-\($0.partition)" }.joined(separator: ", ") + ")" }
        if !m.groups.isEmpty { text += ", offsets of group " + m.groups.sorted().map { "'\($0)'" }.joined(separator: ", ") }
        return text + ", producer id \(m.producerId), epoch \(m.producerEpoch)"
    }

    /// Writes PrepareCommit/PrepareAbort (`metadata` is already in that state), then the markers,
    /// then completes the staged offsets and writes CompleteCommit/CompleteAbort. Answers once the
    /// markers and offsets are as durable as the flush policy makes writes.
    private func complete(_ metadata: TransactionMetadata, commit: Bool, now: Int64,
                          eventLoop: any EventLoop) -> EventLoopFuture<ErrorCode>
    {
        let id = metadata.transactionalId
        return self.log.write(metadata, now: now, on: eventLoop).flatMap { _ -> EventLoopFuture<Void> in
            var syncs: [EventLoopFuture<Void>] = []
            for member in metadata.dataPartitions {
                guard let partition = self.topics.partition(member.topic, member.partition) else { continue }
                let result = partition.appendMarker(EndTransactionMarker(kind: commit ? .commit : .abort),
                                                    producerId: metadata.producerId, epoch: metadata.producerEpoch, now: now)
                guard result.error == .none else {
                    return eventLoop.makeFailedFuture(TransactionLogError.write(
                        "marker to \(member.topic)-\(member.partition): \(result.error) \(result.message ?? "")"))
                }
                if self.mustSync {
                    syncs.append(partition.whenSynced(through: result.baseOffset, flusher: self.flusher, eventLoop: eventLoop))
                }
            }
            return EventLoopFuture.andAllSucceed(syncs, on: eventLoop)
        }.flatMapThrowing { _ -> TransactionMetadata in
            try self.offsets.complete(producerId: metadata.producerId, commit: commit)
            var done = metadata
            done.state = commit ? .completeCommit : .completeAbort
            done.partitions = []
            done.groups = []
            done.lastUpdateTimestamp = Self.nowMs()
            return done
        }.flatMap { done -> EventLoopFuture<ErrorCode> in
            // Answered without waiting for this write's sync: after a crash the Prepare record
            // redoes the markers, which finds nothing left to do.
            let written = self.log.write(done, now: now, on: eventLoop)
            self.finish(id, with: done)
            written.whenFailure { error in self.logger.error("transactional id '\(id)': \(error)") }
            return eventLoop.makeSucceededFuture(.none)
        }.flatMapErrorThrowing { error -> ErrorCode in
            // Stays PrepareCommit/PrepareAbort; the periodic check finishes it.
            self.logger.error("ending transaction '\(id)' failed, retried shortly: \(error)")
            self.entries.withLock { $0[id]?.busy = false }
            return .coordinatorNotAvailable
        }
    }

    // MARK: Timeouts

    /// Aborts transactions past their timeout, fencing their producer (epoch bumped, as Kafka's
    /// `abortTimedOutTransactions` does), and retries completions a failure interrupted.
    func expireAndRetry(now: Int64, eventLoop: any EventLoop) {
        self.events.tick(now: now)
        var expired: [String] = []
        let work = self.entries.withLock { entries -> [(TransactionMetadata, Bool, Bool)] in
            var work: [(TransactionMetadata, Bool, Bool)] = []
            for (id, entry) in entries where !entry.busy {
                var m = entry.metadata
                if m.state != .ongoing, !m.state.isPreparing,
                   now - m.lastUpdateTimestamp > self.configuration.idExpirationMs
                {
                    entries.removeValue(forKey: id)
                    expired.append(id)
                } else if m.hasTimedOut(now: now) {
                    m.producerEpoch = m.producerEpoch &+ (m.producerEpoch == Int16.max ? 0 : 1)
                    m.lastProducerEpoch = -1
                    m.state = .prepareAbort
                    m.lastUpdateTimestamp = now
                    entries[id] = Entry(metadata: m, busy: true)
                    work.append((m, false, true))
                } else if m.state.isPreparing {
                    entries[id]?.busy = true
                    work.append((m, m.state == .prepareCommit, false))
                }
            }
            return work
        }
        for id in expired {
            do {
                try self.log.appendTombstone(transactionalId: id, now: now)
                self.logger.info("transactional id '\(id)' expired: unused for \(self.configuration.idExpirationMs / 3_600_000) h")
            } catch {
                self.logger.error("transactional id '\(id)': \(error)")
            }
        }
        for (metadata, commit, timedOut) in work {
            if timedOut {
                let age = now - metadata.startTimestamp
                self.events.note(.timedOut, "transaction '\(metadata.transactionalId)' timed out after \(age) ms (transaction.timeout.ms \(metadata.timeoutMs)): aborted, its producer fenced (epoch now \(metadata.producerEpoch)); \(Self.describe(metadata))", now: now)
            }
            _ = self.complete(metadata, commit: commit, now: now, eventLoop: eventLoop)
        }
    }

    // MARK: Bounding the log

    /// Until log compaction exists, the log is kept short by a checkpoint: every id's current
    /// record appended again (a replay of the log from there gives the same state), synced, then
    /// everything before it dropped. Runs on the flusher thread (it syncs); the ids are held still
    /// while their records are appended, so no change can slip between the copy and the cut.
    func checkpointIfDue(now: Int64) {
        let offsets = self.log.partition.offsets
        let live = self.entries.withLock { $0.count }
        guard offsets.logEnd - offsets.logStart > max(self.configuration.checkpointMinimumRecords, Int64(live) * 4) else { return }
        do {
            let start = try self.entries.withLock { entries -> Int64 in
                let start = self.log.partition.offsets.logEnd
                for entry in entries.values.sorted(by: { $0.metadata.transactionalId < $1.metadata.transactionalId }) {
                    try self.log.append(entry.metadata, now: now)
                }
                return start
            }
            try self.log.partition.flush()
            _ = try self.log.partition.deleteRecords(before: start)
        } catch {
            self.logger.error("checkpointing \(TransactionLog.topic)-0 failed: \(error)")
        }
    }

    // MARK: Admin views

    func describe(transactionalId: String) -> TransactionMetadata? {
        self.entries.withLock { $0[transactionalId]?.metadata }
    }

    func list(states: Set<TransactionState>, producerIds: Set<Int64>, olderThanMs: Int64, now: Int64) -> [TransactionMetadata] {
        self.entries.withLock { entries in
            entries.values.map(\.metadata).filter { m in
                (states.isEmpty || states.contains(m.state))
                    && (producerIds.isEmpty || producerIds.contains(m.producerId))
                    && (olderThanMs < 0 || (m.state == .ongoing && m.startTimestamp >= 0 && now - m.startTimestamp > olderThanMs))
            }.sorted { $0.transactionalId < $1.transactionalId }
        }
    }

    /// The open transactions per partition, for the dashboard's summary lines and DescribeProducers.
    var ongoingCount: Int {
        self.entries.withLock { $0.values.filter { $0.metadata.state == .ongoing }.count }
    }
}
