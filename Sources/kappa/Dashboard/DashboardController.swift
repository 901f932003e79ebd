import Dispatch
import Foundation
import KappaClient
import KappaTUI
import Logging
import Synchronization

/// Carries out what the dashboard state asks for (admin commands, sends, the console consumer,
/// Browse pages) through KappaClient, and turns every answer into an event for the UI thread.
/// The dashboard talks Kafka to the broker like any client; it never reaches into broker internals.
final class DashboardController: Sendable {
    let events: EventQueue
    private let config: ClientConfig
    private let logger: Logger
    private let admin: KafkaAdmin
    private let producer: ProducerClient
    private let reader: RecordReader
    private let consumer = Mutex<GroupConsumer?>(nil)
    private let selectedTopic = Mutex<String?>(nil)
    private let stopped = Mutex(false)
    /// Admin commands and Browse pages, in order.
    private let commands = DispatchQueue(label: "kappa.dashboard.commands")
    /// The once-a-second offsets refresh, so a slow refresh never delays a command.
    private let poller = DispatchQueue(label: "kappa.dashboard.offsets")
    private let consumerQueue = DispatchQueue(label: "kappa.dashboard.consumer")
    /// Producer-Term's transaction steps and the sends inside them, in the order they were typed.
    private let transactionQueue = DispatchQueue(label: "kappa.dashboard.transactions")
    /// The transactional producer, created at the first `:txn begin`. Plain lines keep going through
    /// `producer`: a transactional producer can only send inside a transaction.
    private let transactional = Mutex<ProducerClient?>(nil)
    private let transactionOpen = Mutex(false)
    /// The Offsets refresh's raw protocol client (LSO, DescribeProducers), kept between refreshes so the
    /// broker log does not get a new connection every second; dropped after an error and reopened next time.
    private let raw = Mutex<RawKafkaClient?>(nil)
    /// Set once the raw client is refused (settings it cannot honour: GSSAPI, OAUTHBEARER, client certificates) or the cluster lacks the APIs: no more tries.
    private let rawUnavailable = Mutex(false)
    /// Fixed for the dashboard's life, so a restarted transaction fences nothing of ours but the old one.
    private let transactionalId = "kappa-producer-term-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)

    init(config: ClientConfig, events: EventQueue, logger: Logger) throws {
        self.config = config
        self.events = events
        self.logger = logger
        self.admin = try KafkaAdmin(config: config, logger: logger)
        self.producer = try ProducerClient(config: config, logger: logger)
        // Browse shows every record, aborted and still-open transactions included (and marks them), so
        // its reader does not stop at the LSO nor skip aborted records as read_committed would.
        var readerConfig = config
        readerConfig.properties["isolation.level"] = "read_uncommitted"
        self.reader = try RecordReader(config: readerConfig, logger: logger)
    }

    func start() {
        self.poller.async { self.pollLoop() }
    }

    func perform(_ effect: DashboardEffect) {
        switch effect {
        case .admin(let command):
            self.commands.async {
                let (lines, isError) = AdminRunner(admin: self.admin, config: self.config).run(command)
                self.events.post(.adminResult(command: "\(command)", lines: lines, isError: isError))
                if case .createTopic(let name, _, _, _) = command, !isError { self.joinIfSubscribed(to: name) }
                self.refreshSoon()
            }
        case .produce(let command) where command.transactional:
            self.transactionQueue.async { self.send(command, through: self.transactional.withLock { $0 }) }
        case .produce(let command):
            self.send(command, through: self.producer)
        case .transaction(let action):
            self.transactionQueue.async { self.transaction(action) }
        case .subscribeConsumer(let group, let topic, let isolation):
            self.consumerQueue.async { self.subscribe(group: group, topic: topic, isolation: isolation) }
        case .pauseConsumer(let paused):
            self.consumerQueue.async { self.consumer.withLock { $0 }?.pause(paused) }
        case .selectTopic(let topic):
            self.selectedTopic.withLock { $0 = topic }
            self.refreshSoon()
        case .browse(let query):
            self.commands.async { self.browse(query) }
        case .quit:
            break
        }
    }

    private func send(_ command: KappaTUI.ProduceCommand, through producer: ProducerClient?) {
        guard let producer else {
            self.events.post(.produced(id: command.id, result: .failure(ProduceFailure("the transaction did not begin"))))
            return
        }
        producer.send(
            topic: command.topic, partition: command.partition, key: command.key, value: command.value,
            headers: command.headers.map { ($0.key, $0.value) }
        ) { result in
            switch result {
            case .success(let delivered):
                self.events.post(.produced(id: command.id, result: .success(
                    PartitionOffset(topic: command.topic, partition: delivered.partition, offset: delivered.offset))))
            case .failure(let error):
                self.events.post(.produced(id: command.id, result: .failure(ProduceFailure(error.description))))
            }
        }
    }

    // MARK: Producer-Term transactions

    /// One `:txn` step, on the transaction queue. A producer whose begin failed is dropped, so the next
    /// `:txn begin` starts from a fresh one (a fenced or fatally failed producer cannot recover).
    private func transaction(_ action: TransactionAction) {
        do {
            switch action {
            case .begin:
                let producer = try self.transactional.withLock { $0 } ?? self.makeTransactionalProducer()
                do {
                    try producer.beginTransaction()
                } catch {
                    self.transactional.withLock { $0 = nil }
                    producer.close()
                    throw error
                }
                self.transactionOpen.withLock { $0 = true }
            case .commit, .abort:
                guard let producer = self.transactional.withLock({ $0 }) else {
                    throw KafkaClientError(code: -1, message: "no transactional producer (the begin failed)")
                }
                self.transactionOpen.withLock { $0 = false }
                if action == .commit { try producer.commitTransaction() } else { try producer.abortTransaction() }
            }
            self.events.post(.transactionDone(action, error: nil))
            self.refreshSoon()
        } catch {
            self.events.post(.transactionDone(action, error: "\(error)"))
        }
    }

    /// Creates the transactional producer and registers its id with the coordinator (InitProducerId).
    private func makeTransactionalProducer() throws -> ProducerClient {
        var config = self.config
        config.clientId = "kappa-producer-term"
        config.properties["transactional.id"] = self.transactionalId
        let producer = try ProducerClient(config: config, logger: self.logger)
        do {
            try producer.initTransactions(timeoutMs: 20_000)
        } catch {
            producer.close()
            throw error
        }
        self.transactional.withLock { $0 = producer }
        return producer
    }

    /// Closes the consumer (LeaveGroup), flushes the producer and closes every handle; bounded in time.
    func shutdown() {
        self.stopped.withLock { $0 = true }
        self.consumerQueue.sync {
            self.consumer.withLock { consumer in
                consumer?.close()
                consumer = nil
            }
        }
        _ = self.producer.flush(timeoutMs: 2000)
        self.producer.close()
        self.transactionQueue.sync {
            guard let producer = self.transactional.withLock({ $0 }) else { return }
            // An open transaction is aborted rather than left for the broker to time out.
            if self.transactionOpen.withLock({ $0 }) { try? producer.abortTransaction(timeoutMs: 3_000) }
            producer.close()
        }
        self.reader.close()
        self.admin.close()
        self.poller.sync { self.raw.withLock { $0?.close(); $0 = nil } }
    }

    // MARK: Consumer-Term

    private let subscription = Mutex<(group: String, topic: String, waiting: Bool)?>(nil)
    private let lastTopics = Mutex<[String]?>(nil)
    private let lastGroups = Mutex<[String]?>(nil)

    private func subscribe(group: String, topic: String, isolation: IsolationLevel) {
        self.consumer.withLock { consumer in
            consumer?.close()
            consumer = nil
        }
        var config = self.config
        config.clientId = "kappa-console"
        let exists = (try? self.admin.listTopics().contains { $0.name == topic }) ?? true
        if !exists {
            // Until the topic exists, look for it every 2 s rather than librdkafka's 5 minutes. The consumer
            // is kept when the topic appears: closing one that has just sent its JoinGroup leaves a member
            // behind that some coordinators wait a whole session timeout for.
            config.properties["topic.metadata.refresh.interval.ms"] = config.properties["topic.metadata.refresh.interval.ms"] ?? "2000"
        }
        config.properties["isolation.level"] = isolation.rawValue
        // Parked fetches are answered as soon as data arrives, so a longer wait only saves idle requests.
        config.properties["fetch.wait.max.ms"] = config.properties["fetch.wait.max.ms"] ?? "2000"
        do {
            let consumer = try GroupConsumer(
                config: config, groupId: group, autoOffsetReset: "earliest", logger: self.logger,
                onRecords: { records in
                    // Clipped here, not on the UI thread: a backlog of 1 MB values must not wait in the queue.
                    self.events.post(.consumed(records.map { Self.message($0).clipped(to: Deserializer.displayLimit) }))
                },
                // KappaClient already logs consumer errors to Kafka-Term through the client logger.
                onError: { _ in })
            try consumer.subscribe([topic])
            self.consumer.withLock { $0 = consumer }
            self.subscription.withLock { $0 = (group, topic, !exists) }
            self.events.post(.consumerState(group: group, topic: topic, error: exists ? nil : "topic '\(topic)' does not exist yet"))
        } catch {
            self.events.post(.consumerState(group: group, topic: topic, error: "\(error)"))
        }
    }

    /// After Kafka-Term creates the consumer's topic, the consumer joins now rather than at its next
    /// periodic metadata refresh.
    private func joinIfSubscribed(to topic: String) {
        guard self.subscription.withLock({ $0?.topic }) == topic else { return }
        self.consumerQueue.async {
            do {
                try self.consumer.withLock { $0 }?.refreshMetadata()
            } catch {
                self.logger.debug("consumer metadata refresh failed: \(error)")
            }
        }
    }

    static func message(_ record: ConsumedRecord) -> ConsumedMessage {
        ConsumedMessage(topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp,
                        key: record.key, value: record.value, headers: record.headers.map { HeaderPair(key: $0.key, value: $0.value) })
    }

    // MARK: Offsets pane

    /// The refresh loop: once a second on its own serial queue, until shutdown.
    private func pollLoop() {
        guard !self.stopped.withLock({ $0 }) else { return }
        self.refreshOffsets()
        self.poller.asyncAfter(deadline: .now() + 1) { self.pollLoop() }
    }

    /// An extra refresh now (a topic was selected, a command changed something).
    private func refreshSoon() {
        self.poller.async { self.refreshOffsets() }
    }

    private func refreshOffsets() {
        do {
            let topics = try self.admin.listTopics()
            let names = topics.map(\.name)
            if self.lastTopics.withLock({ last in defer { last = names }; return last != names }) {
                self.events.post(.topics(names))
            }
            if let waiting = self.subscription.withLock({ $0 }), waiting.waiting, names.contains(waiting.topic) {
                self.subscription.withLock { $0?.waiting = false }
                self.events.post(.consumerState(group: waiting.group, topic: waiting.topic, error: nil))
            }
            // A cluster without ListGroups (librdkafka's mock) still gets partition offsets; the client
            // has already logged why the groups are missing.
            let listings = (try? self.admin.listGroups()) ?? []
            let groupNames = listings.map(\.groupId).sorted()
            if self.lastGroups.withLock({ last in defer { last = groupNames }; return last != groupNames }) {
                self.events.post(.groups(groupNames))
            }
            guard let name = self.selectedTopic.withLock({ $0 }) else { return }
            guard let topic = topics.first(where: { $0.name == name }) else {
                self.events.post(.offsets(OffsetsSnapshot(topic: name, partitions: [], groups: [], takenAt: Self.nowMs())))
                return
            }
            var partitions: [PartitionSummary] = []
            for partition in topic.partitions {
                let (low, high) = try self.admin.watermarks(TopicPartition(topic: name, partition: partition.id))
                partitions.append(PartitionSummary(partition: partition.id, startOffset: low, endOffset: high))
            }
            self.addTransactionState(topic: name, to: &partitions)
            let described = Dictionary(((try? self.admin.describeGroups(listings.map(\.groupId))) ?? []).map { ($0.groupId, $0) }, uniquingKeysWith: { a, _ in a })
            var groups: [GroupOffsets] = []
            for listing in listings.sorted(by: { $0.groupId < $1.groupId }) {
                let committed = (try? self.admin.committedOffsets(group: listing.groupId)) ?? [:]
                let mine = committed.filter { $0.key.topic == name }
                let info = described[listing.groupId]
                let consumesTopic = info?.members.contains { $0.assignment.contains { $0.topic == name } } ?? false
                guard !mine.isEmpty || consumesTopic else { continue }
                groups.append(GroupOffsets(
                    group: listing.groupId,
                    committed: Dictionary(uniqueKeysWithValues: mine.map { ($0.key.partition, $0.value) }),
                    memberCount: info?.members.count ?? 0, state: info?.state ?? listing.state))
            }
            self.events.post(.offsets(OffsetsSnapshot(topic: name, partitions: partitions, groups: groups, takenAt: Self.nowMs())))
        } catch {
            self.logger.debug("offsets refresh failed: \(error)")
        }
    }

    /// Runs `body` with the kept raw protocol client (opened on first use), or returns nil when it cannot be
    /// used here: settings it cannot honour (GSSAPI, OAUTHBEARER, client certificates), or a cluster without the APIs (both logged once). Callers hold the
    /// lock for their I/O; only the offsets queue and the commands queue use it.
    private func withRaw<T: Sendable>(_ body: (RawKafkaClient) throws -> T) -> T? {
        guard !self.rawUnavailable.withLock({ $0 }) else { return nil }
        do {
            return try self.raw.withLock { raw -> T in
                let client = try raw ?? RawKafkaClient(config: self.config, timeoutMs: 3_000)
                raw = client
                return try body(client)
            }
        } catch let error as KafkaClientError {
            self.raw.withLock { $0?.close(); $0 = nil }
            if error.name == "_NOT_IMPLEMENTED" || error.name == "UNSUPPORTED_VERSION" {
                self.rawUnavailable.withLock { $0 = true }
                self.logger.info("no LSO, open transactions nor Browse marks: \(error.description)")
            } else {
                self.logger.debug("raw client: \(error)")
            }
        } catch {
            self.raw.withLock { $0?.close(); $0 = nil }
            self.logger.debug("raw client: \(error)")
        }
        return nil
    }

    /// The high watermark, the LSO and the open transactions of each partition through the raw client
    /// (librdkafka's watermark query answers at read_committed, i.e. with the LSO); left as they are when
    /// the raw client cannot be used.
    private func addTransactionState(topic: String, to partitions: inout [PartitionSummary]) {
        guard !partitions.isEmpty else { return }
        let ids = partitions.map(\.partition)
        let answer = self.withRaw { client -> ([Int32: Int64], [Int32: Int64], [Int32: Int]) in
            let high = try client.highWatermarks(topic: topic, partitions: ids)
            let lso = try client.lastStableOffsets(topic: topic, partitions: ids)
            var open: [Int32: Int] = [:]
            for id in ids {
                open[id] = try client.describeProducers(topic: topic, partition: id)
                    .filter { $0.currentTxnStartOffset >= 0 }.count
            }
            return (high, lso, open)
        }
        guard let (high, lso, open) = answer else { return }
        for i in partitions.indices {
            let id = partitions[i].partition
            if let end = high[id] { partitions[i].endOffset = end }
            partitions[i].lastStableOffset = lso[id]
            partitions[i].openTransactions = open[id] ?? 0
        }
    }

    // MARK: Browse

    private func browse(_ query: BrowseQuery) {
        do {
            switch query {
            case .topics:
                self.events.post(.topics(try self.admin.listTopics().map(\.name)))
            case .partitions(let topic):
                guard let info = try self.admin.listTopics().first(where: { $0.name == topic }) else {
                    self.events.post(.status("topic '\(topic)' does not exist"))
                    return
                }
                var partitions = try info.partitions.map { partition -> PartitionSummary in
                    let (low, high) = try self.admin.watermarks(TopicPartition(topic: topic, partition: partition.id))
                    return PartitionSummary(partition: partition.id, startOffset: low, endOffset: high)
                }
                self.addTransactionState(topic: topic, to: &partitions)
                self.events.post(.browsePartitions(topic: topic, partitions: partitions))
            case .records(let topic, let partition, let from, let count):
                self.page(TopicPartition(topic: topic, partition: partition), from: from, count: count)
            case .recordsAtTime(let topic, let partition, let timestamp, let count):
                let tp = TopicPartition(topic: topic, partition: partition)
                let found = try self.admin.offsetsForTimes([tp: timestamp])[tp] ?? -1
                let from = found >= 0 ? found : try self.admin.watermarks(tp).high
                self.page(tp, from: from, count: count)
            }
        } catch {
            self.events.post(.status("browse: \(error)"))
        }
    }

    private func page(_ tp: TopicPartition, from: Int64, count: Int) {
        do {
            let (low, committedHigh) = try self.admin.watermarks(tp)
            // The admin's "high" is the LSO (read_committed); Browse goes to the high watermark.
            let high = self.withRaw { try $0.highWatermarks(topic: tp.topic, partitions: [tp.partition])[tp.partition] }
                .flatMap { $0 } ?? committedHigh
            let start = min(max(from, low), high)
            let records = start < high ? try self.reader.read(tp, from: start, maxRecords: count) : []
            let messages = self.marked(
                records.map(Self.message), tp: tp, from: start, high: high, reachedEnd: records.count < count)
            self.events.post(.browsePage(topic: tp.topic, partition: tp.partition, records: messages, endOffset: high))
        } catch {
            self.events.post(.status("browse: \(error)"))
        }
    }

    /// The page with its transaction marks (aborted, open) and the COMMIT/ABORT control records between
    /// its records, from a raw Fetch of the same stretch; the page as it is when the raw client cannot be used.
    /// `reachedEnd`: the page is the partition's last, so markers after its last record belong to it too.
    private func marked(
        _ page: [ConsumedMessage], tp: TopicPartition, from start: Int64, high: Int64, reachedEnd: Bool
    ) -> [ConsumedMessage] {
        guard start < high else { return page }
        let last = reachedEnd ? high - 1 : (page.last?.offset ?? (high - 1))
        guard let view = self.withRaw({ try $0.logView(topic: tp.topic, partition: tp.partition, from: start, until: last) })
        else { return page }
        var out = page.map { message -> ConsumedMessage in
            var m = message
            switch view.status(of: m.offset) {
            case .aborted?: m.mark = .aborted
            case .open?: m.mark = .open
            default: break
            }
            return m
        }
        for batch in view.batches where batch.baseOffset >= start && batch.baseOffset <= last {
            guard let marker = batch.marker else { continue }
            out.append(ConsumedMessage(
                topic: tp.topic, partition: tp.partition, offset: batch.baseOffset, timestamp: batch.maxTimestamp,
                key: nil, value: nil, mark: marker == .commit ? .commitMarker : .abortMarker))
        }
        return out.sorted { $0.offset < $1.offset }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
