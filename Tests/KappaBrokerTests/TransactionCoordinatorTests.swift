import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import KappaBroker

/// The transaction protocol through the broker's request handlers, on a data directory: markers,
/// the LSO and aborted ranges, fencing, staged offsets, timeouts, and what survives a restart.
@Suite struct TransactionCoordinatorTests {
    let root = TestDirectory()
    let loop = NIOAsyncTestingEventLoop()

    private func broker(maxTimeoutMs: Int32 = 900_000, checkpointAfter: Int64 = 50_000, logs: LogLines? = nil) throws -> Broker {
        var config = BrokerConfig()
        config.dataDirectory = self.root.path
        config.transactions.maxTimeoutMs = maxTimeoutMs
        config.transactions.checkpointMinimumRecords = checkpointAfter
        let logger = Logger(label: "test") { _ in
            if let logs { return LogLinesHandler(lines: logs) }
            return SwiftLogNoOpLogHandler()
        }
        let broker = try Broker(config: config, logger: logger)
        if broker.topics.topic("t") == nil {
            try broker.topics.create(name: "t", partitions: 2, configs: [:])
        }
        return broker
    }

    private func body(_ reply: BrokerReply) throws -> ByteBuffer {
        guard case .response(let body) = reply else { throw TestError("no response") }
        return body
    }

    private func initProducer(_ broker: Broker, _ id: String, timeoutMs: Int32 = 60_000, version: Int16 = 4)
        async throws -> InitProducerIdResponse
    {
        var body = try self.body(try await broker.initProducerId(
            InitProducerIdRequest(transactionalId: id, transactionTimeoutMs: timeoutMs, producerId: -1, producerEpoch: -1),
            version: version, eventLoop: self.loop).get())
        return try InitProducerIdResponse(from: &body, version: version)
    }

    private func addPartitions(_ broker: Broker, _ id: String, _ pid: Int64, _ epoch: Int16, partitions: [Int32] = [0],
                               version: Int16 = 3) async throws -> [Int16]
    {
        let request = AddPartitionsToTxnRequest(v3AndBelowTransactionalId: id, v3AndBelowProducerId: pid,
                                                v3AndBelowProducerEpoch: epoch,
                                                v3AndBelowTopics: [.init(name: "t", partitions: partitions)])
        var body = try self.body(try await broker.addPartitionsToTxn(request, version: version, eventLoop: self.loop).get())
        let response = try AddPartitionsToTxnResponse(from: &body, version: version)
        return response.resultsByTopicV3AndBelow.flatMap { $0.resultsByPartition.map(\.partitionErrorCode) }
    }

    /// A transactional batch of `count` records, sequences from `sequence`.
    private func produce(_ broker: Broker, _ pid: Int64, _ epoch: Int16, sequence: Int32, count: Int = 3,
                         partition: Int32 = 0) async throws -> (Int16, Int64)
    {
        var builder = RecordBatchBuilder(producerId: pid, producerEpoch: epoch, baseSequence: sequence, isTransactional: true)
        for i in 0..<count { builder.append(key: nil, value: Array("v\(i)".utf8), timestamp: 1) }
        let request = ProduceRequest(transactionalId: "x", acks: -1, timeoutMs: 1000, topicData: [
            .init(name: "t", partitionData: [.init(index: partition, records: builder.build())])
        ])
        var body = try self.body(try await broker.produce(request, version: 7, eventLoop: self.loop).get())
        let response = try ProduceResponse(from: &body, version: 7)
        let result = try #require(response.responses.first?.partitionResponses.first)
        return (result.errorCode, result.baseOffset)
    }

    private func endTxn(_ broker: Broker, _ id: String, _ pid: Int64, _ epoch: Int16, commit: Bool, version: Int16 = 3)
        async throws -> Int16
    {
        var body = try self.body(try await broker.endTxn(
            EndTxnRequest(transactionalId: id, producerId: pid, producerEpoch: epoch, committed: commit),
            version: version, eventLoop: self.loop).get())
        return try EndTxnResponse(from: &body, version: version).errorCode
    }

    private func fetchCommitted(_ broker: Broker, from offset: Int64 = 0) async throws -> FetchResponse.FetchableTopicResponse.PartitionData {
        let request = FetchRequest(maxWaitMs: 0, minBytes: 0, isolationLevel: 1, topics: [
            .init(topic: "t", partitions: [.init(partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20)])
        ])
        var body = try self.body(try await broker.fetch(request, version: 11, eventLoop: self.loop).get())
        let response = try FetchResponse(from: &body, version: 11)
        return try #require(response.responses.first?.partitions.first)
    }

    private func offsets(of broker: Broker) throws -> Partition.Offsets {
        try #require(broker.topics.partition("t", 0)).offsets
    }

    @Test func commitAndAbortMoveTheLastStableOffsetAndAbortedRangesReachReadCommittedFetches() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        let producer = try await self.initProducer(broker, "tx")
        #expect(producer.errorCode == 0 && producer.producerEpoch == 0)
        let pid = producer.producerId
        #expect(try await self.addPartitions(broker, "tx", pid, 0) == [0])
        #expect(try await self.produce(broker, pid, 0, sequence: 0) == (0, 0))
        #expect(try self.offsets(of: broker) == .init(logStart: 0, logEnd: 3, lastStable: 0), "an open transaction holds the LSO")
        let open = try await self.fetchCommitted(broker)
        #expect(open.records?.readableBytes == 0 && open.lastStableOffset == 0 && open.highWatermark == 3)

        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true) == 0)
        #expect(try self.offsets(of: broker) == .init(logStart: 0, logEnd: 4, lastStable: 4), "records and the COMMIT marker")
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true) == 0, "a retried EndTxn succeeds")
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: false) == ErrorCode.invalidTxnState.rawValue)

        #expect(try await self.addPartitions(broker, "tx", pid, 0) == [0])
        #expect(try await self.produce(broker, pid, 0, sequence: 3) == (0, 4))
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: false) == 0)
        #expect(try self.offsets(of: broker).lastStable == 8)
        let fetched = try await self.fetchCommitted(broker)
        #expect(fetched.abortedTransactions == [.init(producerId: pid, firstOffset: 4)])
        let batches = try RecordBatch.decodeAll(try #require(fetched.records))
        #expect(batches.map(\.header.baseOffset) == [0, 3, 4, 7])
        let markers = batches.compactMap { $0.header.isControl ? EndTransactionMarker(key: $0.records.first?.key, value: $0.records.first?.value)?.kind : nil }
        #expect(markers == [.commit, .abort])
        // Past the aborted range, a fetch is told of nothing.
        #expect(try await self.fetchCommitted(broker, from: 8).abortedTransactions == [])
    }

    @Test func aSecondProducerWithTheSameIdFencesTheFirstAndAbortsItsTransaction() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        let first = try await self.initProducer(broker, "tx")
        let pid = first.producerId
        _ = try await self.addPartitions(broker, "tx", pid, 0)
        #expect(try await self.produce(broker, pid, 0, sequence: 0).0 == 0)

        let busy = try await self.initProducer(broker, "tx")
        #expect(busy.errorCode == ErrorCode.concurrentTransactions.rawValue, "the open transaction is aborted first")
        #expect(try self.offsets(of: broker).lastStable == 4, "aborted: the LSO moved past the marker")
        let second = try await self.initProducer(broker, "tx")
        #expect(second.errorCode == 0 && second.producerId == pid && second.producerEpoch == 2)

        #expect(try await self.addPartitions(broker, "tx", pid, 0) == [ErrorCode.producerFenced.rawValue])
        #expect(try await self.addPartitions(broker, "tx", pid, 0, version: 1) == [ErrorCode.invalidProducerEpoch.rawValue])
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true) == ErrorCode.producerFenced.rawValue)
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true, version: 1) == ErrorCode.invalidProducerEpoch.rawValue)
        #expect(try await self.produce(broker, pid, 0, sequence: 3).0 == ErrorCode.invalidProducerEpoch.rawValue,
                "the marker carried the bumped epoch to the partition")
        // The new incarnation starts its sequences at 0.
        _ = try await self.addPartitions(broker, "tx", pid, 2)
        #expect(try await self.produce(broker, pid, 2, sequence: 0).0 == 0)
        #expect(try await self.endTxn(broker, "tx", pid, 2, commit: true) == 0)
        #expect(try await self.fetchCommitted(broker).abortedTransactions == [.init(producerId: pid, firstOffset: 0)])
    }

    @Test func aTimeoutAbortsTheTransactionAndFencesItsProducer() async throws {
        let logs = LogLines()
        let broker = try self.broker(logs: logs)
        defer { broker.shutdown() }
        #expect(try await self.initProducer(broker, "tx", timeoutMs: 900_001).errorCode
                == ErrorCode.invalidTransactionTimeout.rawValue)
        let producer = try await self.initProducer(broker, "tx", timeoutMs: 1000)
        let pid = producer.producerId
        _ = try await self.addPartitions(broker, "tx", pid, 0)
        _ = try await self.produce(broker, pid, 0, sequence: 0)
        broker.transactions.expireAndRetry(now: Broker.nowMs(), eventLoop: self.loop)
        #expect(try self.offsets(of: broker).lastStable == 0, "not yet timed out")
        broker.transactions.expireAndRetry(now: Broker.nowMs() + 1_500, eventLoop: self.loop)
        try await waitUntil { broker.transactions.describe(transactionalId: "tx")?.state == .completeAbort }
        #expect(try self.offsets(of: broker).lastStable == 4)
        #expect(broker.transactions.describe(transactionalId: "tx")?.state == .completeAbort)
        #expect(broker.transactions.describe(transactionalId: "tx")?.producerEpoch == 1)
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true) == ErrorCode.producerFenced.rawValue)
        #expect(logs.contains("transaction 'tx' timed out"))
    }

    @Test func anIdUnusedPastItsExpirationIsForgottenAcrossARestart() async throws {
        do {
            let broker = try self.broker()
            let pid = try await self.initProducer(broker, "old").producerId
            _ = try await self.initProducer(broker, "busy")
            _ = try await self.addPartitions(broker, "busy", try #require(broker.transactions.describe(transactionalId: "busy")).producerId, 0)
            broker.transactions.expireAndRetry(now: Broker.nowMs() + 604_800_001, eventLoop: self.loop)
            #expect(broker.transactions.describe(transactionalId: "old") == nil)
            #expect(broker.transactions.describe(transactionalId: "busy") != nil, "an open transaction is never expired (it times out first)")
            _ = pid
            broker.shutdown()
        }
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(broker.transactions.describe(transactionalId: "old") == nil, "the tombstone survives the restart")
        #expect(try await self.initProducer(broker, "old").producerEpoch == 0)
    }

    @Test func offsetsCommittedInATransactionAppearOnlyWhenItCommits() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        let producer = try await self.initProducer(broker, "tx")
        let pid = producer.producerId
        func addOffsets() async throws -> Int16 {
            var body = try self.body(try await broker.addOffsetsToTxn(
                AddOffsetsToTxnRequest(transactionalId: "tx", producerId: pid, producerEpoch: 0, groupId: "g"),
                version: 3, eventLoop: self.loop).get())
            return try AddOffsetsToTxnResponse(from: &body, version: 3).errorCode
        }
        func commitOffset(_ offset: Int64) throws -> Int16 {
            var body = try self.body(broker.txnOffsetCommit(TxnOffsetCommitRequest(
                transactionalId: "tx", groupId: "g", producerId: pid, producerEpoch: 0, generationId: -1, memberId: "",
                topics: [.init(name: "t", partitions: [.init(partitionIndex: 1, committedOffset: offset, committedLeaderEpoch: -1)])]),
                version: 3))
            return try TxnOffsetCommitResponse(from: &body, version: 3).topics[0].partitions[0].errorCode
        }
        func fetchOffset(stable: Bool) throws -> (Int64, Int16) {
            var body = try self.body(broker.offsetFetch(OffsetFetchRequest(
                groupId: "g", topics: [.init(name: "t", partitionIndexes: [1])], requireStable: stable), version: 7))
            let p = try OffsetFetchResponse(from: &body, version: 7).topics[0].partitions[0]
            return (p.committedOffset, p.errorCode)
        }
        #expect(try commitOffset(5) == ErrorCode.invalidTxnState.rawValue, "AddOffsetsToTxn comes first")
        #expect(try await addOffsets() == 0)
        #expect(try commitOffset(5) == 0)
        #expect(try fetchOffset(stable: false) == (-1, 0), "not visible while the transaction is open")
        #expect(try fetchOffset(stable: true) == (-1, ErrorCode.unstableOffsetCommit.rawValue))
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: false) == 0)
        #expect(try fetchOffset(stable: true) == (-1, 0), "an aborted transaction's offsets are dropped")

        #expect(try await addOffsets() == 0)
        #expect(try commitOffset(7) == 0)
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true) == 0)
        #expect(try fetchOffset(stable: true) == (7, 0))
    }

    @Test func anOpenTransactionAndItsStagedOffsetsSurviveARestartAndCommitAfterIt() async throws {
        var pid: Int64 = -1
        do {
            let broker = try self.broker()
            pid = try await self.initProducer(broker, "tx").producerId
            _ = try await self.addPartitions(broker, "tx", pid, 0)
            _ = try await self.produce(broker, pid, 0, sequence: 0)
            var body = try self.body(try await broker.addOffsetsToTxn(
                AddOffsetsToTxnRequest(transactionalId: "tx", producerId: pid, producerEpoch: 0, groupId: "g"),
                version: 3, eventLoop: self.loop).get())
            #expect(try AddOffsetsToTxnResponse(from: &body, version: 3).errorCode == 0)
            _ = broker.txnOffsetCommit(TxnOffsetCommitRequest(
                transactionalId: "tx", groupId: "g", producerId: pid, producerEpoch: 0, generationId: -1, memberId: "",
                topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1)])]),
                version: 3)
            broker.shutdown()
        }
        // As after a crash: no producer-state snapshot, so the partition's transactions come from its log.
        try? FileManager.default.removeItem(atPath: "\(self.root.path)/t-0/\(ProducerStateSnapshot.fileName)")
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(broker.transactions.describe(transactionalId: "tx")?.state == .ongoing)
        #expect(try self.offsets(of: broker).lastStable == 0)
        #expect(broker.groups.offsets.hasPending(group: "g", key: .init(topic: "t", partition: 0)))
        #expect(try await self.endTxn(broker, "tx", pid, 0, commit: true) == 0)
        #expect(try self.offsets(of: broker).lastStable == 4)
        #expect(broker.groups.offsets.offsets(group: "g")[.init(topic: "t", partition: 0)]?.offset == 3)
    }

    @Test func anAcknowledgedPrepareCommitIsCompletedAtStartUp() async throws {
        var pid: Int64 = -1
        do {
            let broker = try self.broker()
            pid = try await self.initProducer(broker, "tx").producerId
            _ = try await self.addPartitions(broker, "tx", pid, 0)
            _ = try await self.produce(broker, pid, 0, sequence: 0)
            // As if the broker died after writing PrepareCommit, before any marker.
            var metadata = try #require(broker.transactions.describe(transactionalId: "tx"))
            metadata.state = .prepareCommit
            try broker.transactions.log.writeNow(metadata, now: Broker.nowMs())
            broker.shutdown()
        }
        let logs = LogLines()
        let broker = try self.broker(logs: logs)
        defer { broker.shutdown() }
        #expect(broker.transactions.describe(transactionalId: "tx")?.state == .completeCommit)
        #expect(try self.offsets(of: broker) == .init(logStart: 0, logEnd: 4, lastStable: 4))
        #expect(try await self.fetchCommitted(broker).abortedTransactions == [])
        #expect(logs.contains("transaction 'tx' committed at start-up"))
    }

    @Test func aTransactionTheCoordinatorDoesNotKnowIsAbortedAtStartUp() async throws {
        do {
            let broker = try self.broker()
            // A transactional batch whose AddPartitionsToTxn never reached the log (lost tail).
            _ = try await self.produce(broker, 42, 0, sequence: 0)
            #expect(try self.offsets(of: broker).lastStable == 0)
            broker.shutdown()
        }
        let logs = LogLines()
        let broker = try self.broker(logs: logs)
        defer { broker.shutdown() }
        #expect(try self.offsets(of: broker).lastStable == 4)
        #expect(try await self.fetchCommitted(broker).abortedTransactions == [.init(producerId: 42, firstOffset: 0)])
        #expect(logs.contains("aborted a hanging transaction of producer 42"))
    }

    @Test func clientsCannotWriteControlBatchesOrAddInternalTopics() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        var marker = EndTransactionMarker(kind: .commit).batch(producerId: 5, producerEpoch: 0, timestamp: 1)
        let request = ProduceRequest(acks: -1, timeoutMs: 1000, topicData: [.init(name: "t", partitionData: [.init(index: 0, records: marker)])])
        var body = try self.body(try await broker.produce(request, version: 7, eventLoop: self.loop).get())
        #expect(try ProduceResponse(from: &body, version: 7).responses[0].partitionResponses[0].errorCode == ErrorCode.invalidRecord.rawValue)
        marker.clear()
        let pid = try await self.initProducer(broker, "tx").producerId
        let add = AddPartitionsToTxnRequest(v3AndBelowTransactionalId: "tx", v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: 0,
                                            v3AndBelowTopics: [.init(name: "t", partitions: [0]), .init(name: "nope", partitions: [0])])
        var addBody = try self.body(try await broker.addPartitionsToTxn(add, version: 3, eventLoop: self.loop).get())
        let codes = try AddPartitionsToTxnResponse(from: &addBody, version: 3).resultsByTopicV3AndBelow.map { $0.resultsByPartition[0].partitionErrorCode }
        #expect(codes == [ErrorCode.operationNotAttempted.rawValue, ErrorCode.unknownTopicOrPartition.rawValue])
    }

    @Test func aCheckpointShortensTheTransactionLogAndKeepsEveryIdsState() async throws {
        var pids: [Int64] = []
        do {
            let broker = try self.broker(checkpointAfter: 20)
            for id in ["a", "b"] {
                let pid = try await self.initProducer(broker, id).producerId
                pids.append(pid)
                for round in 0..<8 {
                    _ = try await self.addPartitions(broker, id, pid, 0)
                    _ = try await self.produce(broker, pid, 0, sequence: Int32(round * 3))
                    #expect(try await self.endTxn(broker, id, pid, 0, commit: true) == 0)
                }
            }
            _ = try await self.addPartitions(broker, "b", pids[1], 0)
            let before = broker.transactions.log.partition.offsets
            #expect(before.logEnd > 40)
            broker.transactions.checkpointIfDue(now: Broker.nowMs())
            let after = broker.transactions.log.partition.offsets
            #expect(after.logStart == before.logEnd && after.logEnd == before.logEnd + 2, "one record per id after the cut")
            broker.shutdown()
        }
        let broker = try self.broker(checkpointAfter: 20)
        defer { broker.shutdown() }
        #expect(broker.transactions.describe(transactionalId: "a")?.state == .completeCommit)
        #expect(broker.transactions.describe(transactionalId: "b")?.state == .ongoing)
        #expect(broker.transactions.describe(transactionalId: "b")?.partitions == [.init(topic: "t", partition: 0)])
        #expect(try await self.endTxn(broker, "b", pids[1], 0, commit: true) == 0)
    }

    @Test func transactionLogRecordsAreKafkasTransactionLogKeyAndValueV0() throws {
        let metadata = TransactionMetadata(
            transactionalId: "ab", producerId: 7, producerEpoch: 2, timeoutMs: 60_000, state: .ongoing,
            partitions: [.init(topic: "t", partition: 1), .init(topic: "t", partition: 0)], startTimestamp: 10,
            lastUpdateTimestamp: 11)
        #expect(TransactionLog.encodeKey("ab") == [0, 0, 0, 2, 0x61, 0x62])
        let value = TransactionLog.encodeValue(metadata)
        let expected: [UInt8] = [0, 0] + [0, 0, 0, 0, 0, 0, 0, 7] + [0, 2] + [0, 0, 0xEA, 0x60] + [1]
            + [0, 0, 0, 1] + [0, 1, 0x74] + [0, 0, 0, 2] + [0, 0, 0, 0] + [0, 0, 0, 1]
            + [0, 0, 0, 0, 0, 0, 0, 11] + [0, 0, 0, 0, 0, 0, 0, 10]
        #expect(value == expected)
        #expect(TransactionLog.decodeValue(value, transactionalId: "ab") == metadata)
        #expect(TransactionLog.decodeKey(TransactionLog.encodeKey("ab")) == "ab")
        // Java's "group".hashCode() = 98629247; % 50 = 47.
        #expect(TransactionMetadata.offsetsPartition(for: "group") == 47)
    }
}

/// Log lines kept for assertions.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { self.lines.withLock { $0.append(line) } }
    func contains(_ text: String) -> Bool { self.lines.withLock { $0.contains { $0.contains(text) } } }
}

struct LogLinesHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        self.lines.append("\(message)")
    }
}

/// Polls `condition` (bounded: 5 s).
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
    throw TestError("condition not met within 5 s")
}
