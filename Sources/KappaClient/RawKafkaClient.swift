import Foundation
import CRdKafka
import KappaWire
import NIOCore

/// A small Kafka protocol client for the admin APIs librdkafka 2.0 has no calls for (KIP-664's
/// ListTransactions, DescribeTransactions, DescribeProducers, and WriteTxnMarkers as
/// `kafka-transactions.sh abort` sends it) and for ListOffsets at read_committed. Blocking; TLS and SASL
/// (PLAIN, SCRAM-SHA-256/512) from the same properties librdkafka takes. Connections are opened on first
/// use per broker and closed with the client. Not thread-safe.
public final class RawKafkaClient {
    private let bootstrap: [(host: String, port: Int)]
    private let clientId: String
    private let timeoutMs: Int
    private let security: KafkaConnectionSecurity
    private var connections: [Int32: KafkaConnection] = [:]
    private var bootstrapConnection: KafkaConnection?
    private var brokers: [Int32: (host: String, port: Int)] = [:]

    /// `properties` are the librdkafka properties the rest of the dashboard uses: `security.protocol`,
    /// `sasl.*` and `ssl.*` secure these connections the same way, and settings this client cannot honour
    /// (GSSAPI, OAUTHBEARER, client certificates, ...) are refused here rather than connecting less securely.
    public init(config: ClientConfig, timeoutMs: Int? = nil) throws {
        self.security = try KafkaConnectionSecurity(properties: config.properties)
        self.bootstrap = config.bootstrapServers.split(separator: ",").compactMap { Self.hostPort(String($0)) }
        guard !self.bootstrap.isEmpty else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "no bootstrap server in '\(config.bootstrapServers)'")
        }
        self.clientId = config.clientId
        self.timeoutMs = timeoutMs ?? Int(config.requestTimeoutMs)
    }

    deinit { self.close() }

    public func close() {
        self.connections.values.forEach { $0.close() }
        self.connections = [:]
        self.bootstrapConnection?.close()
        self.bootstrapConnection = nil
    }

    // MARK: transactions

    /// Every transaction every broker coordinates (ListTransactions to each broker).
    public func listTransactions() throws -> [TransactionListing] {
        _ = try self.metadata(topics: [])
        var out: [TransactionListing] = []
        for node in self.brokers.keys.sorted() {
            let connection = try self.connection(node: node)
            let version = try connection.version(apiKey: 66, ours: ListTransactionsRequest.validVersions, name: "ListTransactions")
            let answer = try connection.send(
                ListTransactionsRequest(), as: ListTransactionsResponse.self, apiKey: 66, version: version)
            try Self.check(answer.errorCode, "ListTransactions on broker \(node)")
            out += answer.transactionStates.map {
                TransactionListing(
                    transactionalId: $0.transactionalId, coordinator: node, producerId: $0.producerId, state: $0.transactionState)
            }
        }
        return out.sorted { $0.transactionalId < $1.transactionalId }
    }

    /// The transaction's state at its coordinator (FindCoordinator with key type 1, then DescribeTransactions).
    public func describeTransaction(_ transactionalId: String) throws -> TransactionDescription {
        let coordinator = try self.findTransactionCoordinator(transactionalId)
        let connection = try self.connection(node: coordinator)
        let version = try connection.version(apiKey: 65, ours: DescribeTransactionsRequest.validVersions, name: "DescribeTransactions")
        let answer = try connection.send(
            DescribeTransactionsRequest(transactionalIds: [transactionalId]), as: DescribeTransactionsResponse.self,
            apiKey: 65, version: version)
        guard let state = answer.transactionStates.first(where: { $0.transactionalId == transactionalId }) else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "DescribeTransactions did not answer for '\(transactionalId)'")
        }
        try Self.check(
            state.errorCode,
            state.errorCode == 105
                ? "transactional id '\(transactionalId)' is not known to its coordinator"
                : "cannot describe transactional id '\(transactionalId)'")
        var partitions: [TopicPartition] = []
        for topic in state.topics {
            partitions += topic.partitions.map { TopicPartition(topic: topic.topic, partition: $0) }
        }
        return TransactionDescription(
            coordinator: coordinator, transactionalId: state.transactionalId, producerId: state.producerId,
            producerEpoch: state.producerEpoch, state: state.transactionState, timeoutMs: state.transactionTimeoutMs,
            startTimeMs: state.transactionStartTimeMs, partitions: partitions.sorted())
    }

    /// The producers with state on the partition, from its leader (DescribeProducers).
    public func describeProducers(topic: String, partition: Int32) throws -> [ActiveProducer] {
        let leader = try self.leader(topic: topic, partition: partition)
        let connection = try self.connection(node: leader)
        let version = try connection.version(apiKey: 61, ours: DescribeProducersRequest.validVersions, name: "DescribeProducers")
        let answer = try connection.send(
            DescribeProducersRequest(topics: [.init(name: topic, partitionIndexes: [partition])]),
            as: DescribeProducersResponse.self, apiKey: 61, version: version)
        guard
            let result = answer.topics.first(where: { $0.name == topic })?.partitions
                .first(where: { $0.partitionIndex == partition })
        else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "DescribeProducers did not answer for \(topic)-\(partition)")
        }
        try Self.check(result.errorCode, result.errorMessage ?? "cannot describe the producers of \(topic)-\(partition)")
        return result.activeProducers.map {
            ActiveProducer(
                producerId: $0.producerId, producerEpoch: $0.producerEpoch, lastSequence: $0.lastSequence,
                lastTimestamp: $0.lastTimestamp, coordinatorEpoch: $0.coordinatorEpoch,
                currentTxnStartOffset: $0.currentTxnStartOffset)
        }
    }

    /// Writes an ABORT marker for the producer's open transaction on the partition (WriteTxnMarkers to
    /// its leader), as `kafka-transactions.sh abort` does for a hanging transaction.
    public func abortTransaction(
        topic: String, partition: Int32, producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32
    ) throws {
        let leader = try self.leader(topic: topic, partition: partition)
        let connection = try self.connection(node: leader)
        let version = try connection.version(apiKey: 27, ours: WriteTxnMarkersRequest.validVersions, name: "WriteTxnMarkers")
        let marker = WriteTxnMarkersRequest.WritableTxnMarker(
            producerId: producerId, producerEpoch: producerEpoch, transactionResult: false,
            topics: [.init(name: topic, partitionIndexes: [partition])], coordinatorEpoch: coordinatorEpoch)
        let answer = try connection.send(
            WriteTxnMarkersRequest(markers: [marker]), as: WriteTxnMarkersResponse.self, apiKey: 27, version: version)
        guard
            let result = answer.markers.first(where: { $0.producerId == producerId })?.topics
                .first(where: { $0.name == topic })?.partitions.first(where: { $0.partitionIndex == partition })
        else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "WriteTxnMarkers did not answer for \(topic)-\(partition)")
        }
        try Self.check(result.errorCode, "cannot write the abort marker to \(topic)-\(partition)")
    }

    // MARK: offsets

    /// Each partition's last stable offset (ListOffsets latest at read_committed): the end of the log
    /// unless a transaction is open, then the first offset of the oldest open one.
    public func lastStableOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        try self.latestOffsets(topic: topic, partitions: partitions, readCommitted: true)
    }

    /// Each partition's high watermark (ListOffsets latest at read_uncommitted). librdkafka's
    /// `rd_kafka_query_watermark_offsets` asks at the handle's `isolation.level`, read_committed by
    /// default, so its "high" is the LSO while a transaction is open.
    public func highWatermarks(topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        try self.latestOffsets(topic: topic, partitions: partitions, readCommitted: false)
    }

    private func latestOffsets(topic: String, partitions: [Int32], readCommitted: Bool) throws -> [Int32: Int64] {
        var byLeader: [Int32: [Int32]] = [:]
        for partition in partitions { byLeader[try self.leader(topic: topic, partition: partition), default: []].append(partition) }
        var out: [Int32: Int64] = [:]
        for (leader, mine) in byLeader {
            let connection = try self.connection(node: leader)
            // v2 is the first with an isolation level.
            let version = try connection.version(apiKey: 2, ours: 2...ListOffsetsRequest.validVersions.upperBound, name: "ListOffsets")
            var request = ListOffsetsRequest()
            request.replicaId = -1
            request.isolationLevel = readCommitted ? 1 : 0
            request.topics = [.init(name: topic, partitions: mine.map { .init(partitionIndex: $0, currentLeaderEpoch: -1, timestamp: -1) })]
            let answer = try connection.send(request, as: ListOffsetsResponse.self, apiKey: 2, version: version)
            for p in answer.topics.first(where: { $0.name == topic })?.partitions ?? [] {
                try Self.check(p.errorCode, "cannot list the offsets of \(topic)-\(p.partitionIndex)")
                out[p.partitionIndex] = p.offset
            }
        }
        return out
    }

    // MARK: log

    /// The batches of a partition from `offset` (read_uncommitted Fetch, headers only), continuing until
    /// the statuses of records up to `until` are settled (their markers read), the high watermark is
    /// reached, or `maxBytes` have been read.
    public func logView(topic: String, partition: Int32, from offset: Int64, until: Int64, maxBytes: Int = 16 << 20)
        throws -> PartitionLogView
    {
        let leader = try self.leader(topic: topic, partition: partition)
        let connection = try self.connection(node: leader)
        // v4 is the first with the LSO; v13 and later name topics by id only.
        let version = min(try connection.version(apiKey: 1, ours: 4...12, name: "Fetch"), 12)
        var view = PartitionLogView(highWatermark: 0, lastStableOffset: 0, batches: [])
        var next = offset
        var read = 0
        repeat {
            var request = FetchRequest(maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0)
            request.topics = [.init(topic: topic, partitions: [.init(partition: partition, fetchOffset: next, partitionMaxBytes: 1 << 20)])]
            let answer = try connection.send(request, as: FetchResponse.self, apiKey: 1, version: version)
            try Self.check(answer.errorCode, "cannot fetch \(topic)-\(partition)")
            guard let data = answer.responses.first(where: { $0.topic == topic })?.partitions
                .first(where: { $0.partitionIndex == partition })
            else { throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "Fetch did not answer for \(topic)-\(partition)") }
            try Self.check(data.errorCode, "cannot fetch \(topic)-\(partition) at \(next)")
            view.highWatermark = data.highWatermark
            view.lastStableOffset = data.lastStableOffset >= 0 ? data.lastStableOffset : data.highWatermark
            let records = data.records ?? ByteBuffer()
            var position = records.readerIndex
            var progressed = false
            // A batch cut short at the end of the answer is read again by the next Fetch.
            while let header = try? RecordBatchHeader(parsing: records, at: position),
                  header.totalSize <= records.writerIndex - position
            {
                if header.lastOffset >= next {
                    var marker: LogBatch.Marker?
                    if header.isControl {
                        switch EndTransactionMarker.parse(batch: records, at: position)?.kind {
                        case .commit?: marker = .commit
                        case .abort?: marker = .abort
                        default: marker = nil
                        }
                    }
                    view.batches.append(LogBatch(
                        baseOffset: header.baseOffset, lastOffset: header.lastOffset, producerId: header.producerId,
                        isTransactional: header.isTransactional, marker: marker, maxTimestamp: header.maxTimestamp))
                    next = header.lastOffset + 1
                    progressed = true
                }
                position += header.totalSize
            }
            read += records.readableBytes
            if !progressed { break }
        } while next < view.highWatermark && read < maxBytes && (next <= until || !view.isResolved(from: offset))
        return view
    }

    // MARK: cluster

    /// The leader of the partition, from Metadata.
    func leader(topic: String, partition: Int32) throws -> Int32 {
        let answer = try self.metadata(topics: [topic])
        guard let info = answer.topics.first(where: { $0.name == topic }) else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic '\(topic)' does not exist")
        }
        try Self.check(info.errorCode, info.errorCode == 3 ? "topic '\(topic)' does not exist" : "topic '\(topic)'")
        guard let p = info.partitions.first(where: { $0.partitionIndex == partition }) else {
            throw KafkaClientError(
                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic '\(topic)' has no partition \(partition)")
        }
        try Self.check(p.errorCode, "\(topic)-\(partition)")
        return p.leaderId
    }

    private func findTransactionCoordinator(_ transactionalId: String) throws -> Int32 {
        let connection = try self.anyConnection()
        let version = try connection.version(apiKey: 10, ours: 1...FindCoordinatorRequest.validVersions.upperBound, name: "FindCoordinator")
        var request = FindCoordinatorRequest()
        request.keyType = 1
        if version >= 4 { request.coordinatorKeys = [transactionalId] } else { request.key = transactionalId }
        let answer = try connection.send(request, as: FindCoordinatorResponse.self, apiKey: 10, version: version)
        let (error, node, host, port, message): (Int16, Int32, String, Int32, String?)
        if version >= 4 {
            guard let c = answer.coordinators.first else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "FindCoordinator returned no coordinator")
            }
            (error, node, host, port, message) = (c.errorCode, c.nodeId, c.host, c.port, c.errorMessage)
        } else {
            (error, node, host, port, message) = (answer.errorCode, answer.nodeId, answer.host, answer.port, answer.errorMessage)
        }
        try Self.check(error, message ?? "cannot find the coordinator of transactional id '\(transactionalId)'")
        self.brokers[node] = (host, Int(port))
        return node
    }

    @discardableResult
    private func metadata(topics: [String]) throws -> MetadataResponse {
        let connection = try self.anyConnection()
        let version = try connection.version(apiKey: 3, ours: 1...MetadataRequest.validVersions.upperBound, name: "Metadata")
        var request = MetadataRequest()
        request.topics = topics.map { .init(name: $0) }
        request.allowAutoTopicCreation = false
        let answer = try connection.send(request, as: MetadataResponse.self, apiKey: 3, version: version)
        for broker in answer.brokers { self.brokers[broker.nodeId] = (broker.host, Int(broker.port)) }
        return answer
    }

    private func anyConnection() throws -> KafkaConnection {
        if let c = self.bootstrapConnection, c.isUsable { return c }
        self.bootstrapConnection?.close()
        self.bootstrapConnection = nil
        var lastError: Error = KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "no bootstrap server")
        for server in self.bootstrap {
            do {
                let c = try KafkaConnection(
                    host: server.host, port: server.port, clientId: self.clientId, timeoutMs: self.timeoutMs,
                    security: self.security)
                self.bootstrapConnection = c
                return c
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private func connection(node: Int32) throws -> KafkaConnection {
        if let c = self.connections[node], c.isUsable { return c }
        self.connections.removeValue(forKey: node)?.close()
        if self.brokers[node] == nil { _ = try self.metadata(topics: []) }
        guard let address = self.brokers[node] else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__UNKNOWN_BROKER, "broker \(node) is not in the cluster's metadata")
        }
        let c = try KafkaConnection(
            host: address.host, port: address.port, clientId: self.clientId, timeoutMs: self.timeoutMs,
            security: self.security)
        self.connections[node] = c
        return c
    }

    private static func check(_ code: Int16, _ what: String) throws {
        guard code != 0 else { return }
        throw KafkaClientError(code: Int32(code), message: what)
    }

    /// "host:port", "[v6]:port" or "host" (port 9092).
    static func hostPort(_ text: String) -> (host: String, port: Int)? {
        var s = text.trimmingCharacters(in: .whitespaces)
        if let scheme = s.range(of: "://") { s = String(s[scheme.upperBound...]) }
        guard !s.isEmpty else { return nil }
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? 9092 : 9092)
        }
        guard let colon = s.lastIndex(of: ":") else { return (s, 9092) }
        guard let port = Int(s[s.index(after: colon)...]) else { return nil }
        return (String(s[..<colon]), port)
    }
}
