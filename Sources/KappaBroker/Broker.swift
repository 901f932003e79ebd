import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import Synchronization

/// A single-node Kafka broker: decodes each request body, answers it from the topic registry and
/// partition logs, and encodes the response body. Transport (framing, ordering, sockets) is the
/// server's job; the broker is called once per request and may answer later (parked fetches).
public final class Broker: Sendable {
    public let config: BrokerConfig
    let logger: Logger
    let topics: TopicRegistry
    let producerIds: ProducerIdAllocator
    let groups: GroupCoordinator
    let transactions: TransactionCoordinator
    private let lock: DataDirectoryLock?
    private let stats = RequestStats()
    /// Runs every sync of a partition log and the periodic maintenance, off the event loops.
    let flusher = LogFlusher()
    private let connections = Mutex<Int>(0)
    let allocator = ByteBufferAllocator()

    public init(config: BrokerConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        if let directory = config.dataDirectory {
            self.lock = try DataDirectoryLock(directory: directory)
        } else {
            self.lock = nil
        }
        self.topics = try TopicRegistry(dataDirectory: config.dataDirectory, logConfig: config.log, logger: logger)
        self.producerIds = try ProducerIdAllocator(dataDirectory: config.dataDirectory)
        let offsets = try OffsetStore(dataDirectory: config.dataDirectory, syncEveryWrite: config.log.flush == .always, logger: logger)
        self.groups = GroupCoordinator(configuration: config.groups, offsets: offsets, logger: logger)
        let transactionLog = try TransactionLog(dataDirectory: config.dataDirectory, logConfig: config.log,
                                                syncEveryWrite: config.log.flush == .always, flusher: self.flusher,
                                                logger: logger)
        self.transactions = try TransactionCoordinator(
            configuration: config.transactions, log: transactionLog, producerIds: self.producerIds, topics: self.topics,
            offsets: offsets, mustSync: config.log.flush == .always, flusher: self.flusher, logger: logger)
    }

    /// Starts the periodic work: interval flushes, retention and the request summary in the log run
    /// on the broker's `LogFlusher` thread (they may block on the disk, so never on an event loop);
    /// the group coordinator's timers run on `eventLoop`.
    public func startMaintenance(on eventLoop: any EventLoop) {
        let tickMs: Int64
        if case .interval(let ms) = self.config.log.flush { tickMs = max(10, min(ms, 1000)) } else { tickMs = 1000 }
        self.flusher.repeatEvery(milliseconds: tickMs) { self.runMaintenance() }
        self.groups.start(on: eventLoop)
        self.transactions.start(on: eventLoop)
    }

    private func runMaintenance() {
        let now = Self.nowMs()
        for topic in self.topics.all() {
            for partition in topic.partitions {
                do { try partition.maintain(now: now) } catch {
                    self.logger.error("maintenance of \(topic.name)-\(partition.index) failed: \(error)")
                }
            }
        }
        self.groups.offsets.flush()
        self.transactions.checkpointIfDue(now: now)
        do { try self.transactions.log.partition.maintain(now: now) } catch {
            self.logger.error("maintenance of \(TransactionLog.topic)-0 failed: \(error)")
        }
        if let summary = self.stats.summaryIfDue(now: now, connections: self.connections.withLock { $0 }) {
            self.logger.info("\(summary)")
        }
    }

    /// Flushes and closes every partition log; the broker answers nothing afterwards.
    public func shutdown() {
        self.flusher.stop()
        self.groups.stop()
        self.transactions.stop()
        self.topics.closeAll()
        do { try self.transactions.log.close() } catch {
            self.logger.error("closing \(TransactionLog.topic)-0 failed: \(error)")
        }
        self.groups.offsets.close()
        self.logger.info("broker stopped; logs flushed")
    }

    public func connectionOpened(_ connection: ClientConnection) {
        self.connections.withLock { $0 += 1 }
        self.logger.debug("connection from \(connection.remoteAddress)")
    }

    public func connectionClosed(_ connection: ClientConnection) {
        self.connections.withLock { $0 -= 1 }
        self.logger.debug("connection from \(connection) closed")
    }

    /// Answers one request. `body` is what follows the request header.
    public func handle(
        header: RequestHeader, body: ByteBuffer, connection: ClientConnection, eventLoop: any EventLoop
    ) -> EventLoopFuture<BrokerReply> {
        if connection.noteClientId(header.clientId) {
            self.logger.debug("client '\(header.clientId ?? "")' on \(connection.remoteAddress)")
        }
        guard let api = ApiKey(rawValue: header.apiKey) else {
            return eventLoop.makeSucceededFuture(.close("unknown API key \(header.apiKey)"))
        }
        self.stats.count(api)
        guard SupportedApis.supports(apiKey: header.apiKey, version: header.apiVersion) else {
            if api == .apiVersions {
                return eventLoop.makeSucceededFuture(self.unsupportedApiVersions())
            }
            return eventLoop.makeSucceededFuture(.close("unsupported \(api.name) version \(header.apiVersion)"))
        }
        self.logger.trace("\(api.name) v\(header.apiVersion) from \(connection)")
        let version = header.apiVersion
        var body = body
        do {
            switch api {
            case .apiVersions:
                return eventLoop.makeSucceededFuture(self.apiVersions(try ApiVersionsRequest(from: &body, version: version), version: version, connection: connection))
            case .metadata:
                return eventLoop.makeSucceededFuture(self.metadata(try MetadataRequest(from: &body, version: version), version: version))
            case .produce:
                return self.produce(try ProduceRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .fetch:
                return self.fetch(try FetchRequest(from: &body, version: version), version: version,
                                  connection: connection, eventLoop: eventLoop)
            case .listOffsets:
                return eventLoop.makeSucceededFuture(self.listOffsets(try ListOffsetsRequest(from: &body, version: version), version: version))
            case .createTopics:
                return eventLoop.makeSucceededFuture(self.createTopics(try CreateTopicsRequest(from: &body, version: version), version: version))
            case .deleteTopics:
                return eventLoop.makeSucceededFuture(self.deleteTopics(try DeleteTopicsRequest(from: &body, version: version), version: version))
            case .createPartitions:
                return eventLoop.makeSucceededFuture(self.createPartitions(try CreatePartitionsRequest(from: &body, version: version), version: version))
            case .deleteRecords:
                return eventLoop.makeSucceededFuture(self.deleteRecords(try DeleteRecordsRequest(from: &body, version: version), version: version))
            case .describeConfigs:
                return eventLoop.makeSucceededFuture(self.describeConfigs(try DescribeConfigsRequest(from: &body, version: version), version: version))
            case .alterConfigs:
                return eventLoop.makeSucceededFuture(self.alterConfigs(try AlterConfigsRequest(from: &body, version: version), version: version))
            case .incrementalAlterConfigs:
                return eventLoop.makeSucceededFuture(self.incrementalAlterConfigs(try IncrementalAlterConfigsRequest(from: &body, version: version), version: version))
            case .initProducerId:
                return self.initProducerId(try InitProducerIdRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .offsetForLeaderEpoch:
                return eventLoop.makeSucceededFuture(self.offsetForLeaderEpoch(try OffsetForLeaderEpochRequest(from: &body, version: version), version: version))
            case .findCoordinator:
                return eventLoop.makeSucceededFuture(self.findCoordinator(try FindCoordinatorRequest(from: &body, version: version), version: version))
            case .joinGroup:
                return self.joinGroup(try JoinGroupRequest(from: &body, version: version), version: version, connection: connection, eventLoop: eventLoop)
            case .syncGroup:
                return self.syncGroup(try SyncGroupRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .heartbeat:
                return eventLoop.makeSucceededFuture(self.heartbeat(try HeartbeatRequest(from: &body, version: version), version: version))
            case .leaveGroup:
                return eventLoop.makeSucceededFuture(self.leaveGroup(try LeaveGroupRequest(from: &body, version: version), version: version))
            case .offsetCommit:
                return eventLoop.makeSucceededFuture(self.offsetCommit(try OffsetCommitRequest(from: &body, version: version), version: version))
            case .offsetFetch:
                return eventLoop.makeSucceededFuture(self.offsetFetch(try OffsetFetchRequest(from: &body, version: version), version: version))
            case .describeGroups:
                return eventLoop.makeSucceededFuture(self.describeGroups(try DescribeGroupsRequest(from: &body, version: version), version: version))
            case .listGroups:
                return eventLoop.makeSucceededFuture(self.listGroups(try ListGroupsRequest(from: &body, version: version), version: version))
            case .deleteGroups:
                return eventLoop.makeSucceededFuture(self.deleteGroups(try DeleteGroupsRequest(from: &body, version: version), version: version))
            case .addPartitionsToTxn:
                return self.addPartitionsToTxn(try AddPartitionsToTxnRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .addOffsetsToTxn:
                return self.addOffsetsToTxn(try AddOffsetsToTxnRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .endTxn:
                return self.endTxn(try EndTxnRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .txnOffsetCommit:
                return eventLoop.makeSucceededFuture(self.txnOffsetCommit(try TxnOffsetCommitRequest(from: &body, version: version), version: version))
            case .writeTxnMarkers:
                return self.writeTxnMarkers(try WriteTxnMarkersRequest(from: &body, version: version), version: version, eventLoop: eventLoop)
            case .describeTransactions:
                return eventLoop.makeSucceededFuture(self.describeTransactions(try DescribeTransactionsRequest(from: &body, version: version), version: version))
            case .listTransactions:
                return eventLoop.makeSucceededFuture(self.listTransactions(try ListTransactionsRequest(from: &body, version: version), version: version))
            case .describeProducers:
                return eventLoop.makeSucceededFuture(self.describeProducers(try DescribeProducersRequest(from: &body, version: version), version: version))
            case .offsetDelete:
                return eventLoop.makeSucceededFuture(self.offsetDelete(try OffsetDeleteRequest(from: &body, version: version), version: version))
            case .saslHandshake, .saslAuthenticate:
                return eventLoop.makeSucceededFuture(self.saslNotExpected(api: api, version: version))
            default:
                return eventLoop.makeSucceededFuture(.close("\(api.name) is not served"))
            }
        } catch {
            return eventLoop.makeSucceededFuture(.close("malformed \(api.name) v\(version) request: \(error)"))
        }
    }

    /// Encodes a response body.
    func reply<M: KafkaMessage>(_ message: M, version: Int16) -> BrokerReply {
        var buffer = self.allocator.buffer(capacity: 256)
        message.write(to: &buffer, version: version)
        return .response(buffer)
    }

    static func nowMs() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
