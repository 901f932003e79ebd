import KappaLog
import KappaWire
import Logging
import NIOCore

/// The coordinator's durable state: one record per change of a transactional id, keyed by the id,
/// in Kafka's own `__transaction_state` format (TransactionLogKey v0 / TransactionLogValue v0), in
/// the partition log `__transaction_state-0` of the data directory. The last record of an id wins;
/// replaying the log at start-up rebuilds every id.
final class TransactionLog: Sendable {
    static let topic = "__transaction_state"

    let partition: Partition
    private let syncEveryWrite: Bool
    private let flusher: LogFlusher

    init(dataDirectory: String?, logConfig: LogConfig, syncEveryWrite: Bool, flusher: LogFlusher, logger: Logger) throws {
        // Never deleted by retention: the records are the coordinator's state (compaction, not
        // deletion, is what bounds such a log).
        var logConfig = logConfig
        logConfig.retentionMs = nil
        logConfig.retentionBytes = nil
        // Small segments, so a checkpoint (see TransactionCoordinator.checkpointIfDue) frees disk.
        logConfig.segmentBytes = min(logConfig.segmentBytes, 4 << 20)
        let log: PartitionLog
        if let dataDirectory {
            log = try PartitionLog.open(directory: "\(dataDirectory)/\(Self.topic)-0", config: logConfig, logger: logger)
        } else {
            log = PartitionLog.inMemory(config: logConfig)
        }
        self.partition = Partition(topic: Self.topic, index: 0, log: log)
        self.syncEveryWrite = syncEveryWrite
        self.flusher = flusher
    }

    /// Every id's last stored metadata, oldest record first.
    func load() throws -> [String: TransactionMetadata] {
        var result: [String: TransactionMetadata] = [:]
        var offset = self.partition.offsets.logStart
        let end = self.partition.offsets.logEnd
        while offset < end {
            let (chunk, _, _) = try self.partition.fetch(from: offset, maxBytes: 1 << 20, minimumFileBytes: nil, readCommitted: false)
            guard case .bytes(let records) = chunk else { break }
            guard records.readableBytes > 0 else { break }
            let batches = try RecordBatch.decodeAll(records, verifyCRC: true)
            guard let last = batches.last else { break }
            for batch in batches {
                for record in batch.records where batch.offset(of: record) >= offset {
                    guard let id = Self.decodeKey(record.key) else { continue }
                    if let value = record.value {
                        if let metadata = Self.decodeValue(value, transactionalId: id) { result[id] = metadata }
                    } else {
                        result.removeValue(forKey: id)
                    }
                }
            }
            offset = last.header.lastOffset + 1
        }
        return result
    }

    /// Appends `metadata`; the future succeeds once it is as durable as the flush policy makes
    /// appends (with `--flush always`: synced).
    func write(_ metadata: TransactionMetadata, now: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        var builder = RecordBatchBuilder()
        builder.append(key: Self.encodeKey(metadata.transactionalId), value: Self.encodeValue(metadata), timestamp: now)
        let result = self.partition.append(builder.build(), maxMessageBytes: Int.max, now: now)
        guard result.error == .none else {
            return eventLoop.makeFailedFuture(TransactionLogError.write(result.message ?? "\(result.error)"))
        }
        guard self.syncEveryWrite else { return eventLoop.makeSucceededFuture(()) }
        return self.partition.whenSynced(through: result.baseOffset, flusher: self.flusher, eventLoop: eventLoop)
    }

    /// Appends and syncs `metadata` before returning (start-up recovery only: it blocks on the disk).
    func writeNow(_ metadata: TransactionMetadata, now: Int64) throws {
        try self.append(metadata, now: now)
        try self.partition.flush()
    }

    /// Appends a null value for `transactionalId`: replaying the log forgets it.
    func appendTombstone(transactionalId: String, now: Int64) throws {
        var builder = RecordBatchBuilder()
        builder.append(key: Self.encodeKey(transactionalId), value: nil, timestamp: now)
        let result = self.partition.append(builder.build(), maxMessageBytes: Int.max, now: now)
        guard result.error == .none else { throw TransactionLogError.write(result.message ?? "\(result.error)") }
    }

    /// Appends `metadata` without waiting for a sync.
    func append(_ metadata: TransactionMetadata, now: Int64) throws {
        var builder = RecordBatchBuilder()
        builder.append(key: Self.encodeKey(metadata.transactionalId), value: Self.encodeValue(metadata), timestamp: now)
        let result = self.partition.append(builder.build(), maxMessageBytes: Int.max, now: now)
        guard result.error == .none else { throw TransactionLogError.write(result.message ?? "\(result.error)") }
    }

    func close() throws { try self.partition.close() }

    // MARK: Kafka's record format

    static func encodeKey(_ transactionalId: String) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(0))
        buffer.writeKafkaString(transactionalId, flexible: false)
        return Array(buffer.readableBytesView)
    }

    static func decodeKey(_ bytes: [UInt8]?) -> String? {
        guard let bytes else { return nil }
        var buffer = ByteBuffer(bytes: bytes)
        guard let version = buffer.readInteger(as: Int16.self), version == 0 else { return nil }
        return try? buffer.readKafkaString(flexible: false)
    }

    static func encodeValue(_ m: TransactionMetadata) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(0))
        buffer.writeInteger(m.producerId)
        buffer.writeInteger(m.producerEpoch)
        buffer.writeInteger(m.timeoutMs)
        buffer.writeInteger(m.state.rawValue)
        let byTopic = Dictionary(grouping: m.partitions, by: \.topic)
        buffer.writeInteger(Int32(byTopic.count))
        for topic in byTopic.keys.sorted() {
            buffer.writeKafkaString(topic, flexible: false)
            let partitions = (byTopic[topic] ?? []).map(\.partition).sorted()
            buffer.writeInteger(Int32(partitions.count))
            for partition in partitions { buffer.writeInteger(partition) }
        }
        buffer.writeInteger(m.lastUpdateTimestamp)
        buffer.writeInteger(m.startTimestamp)
        return Array(buffer.readableBytesView)
    }

    static func decodeValue(_ bytes: [UInt8], transactionalId: String) -> TransactionMetadata? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let version = buffer.readInteger(as: Int16.self), version == 0,
              let producerId = buffer.readInteger(as: Int64.self),
              let epoch = buffer.readInteger(as: Int16.self),
              let timeout = buffer.readInteger(as: Int32.self),
              let rawState = buffer.readInteger(as: Int8.self), let state = TransactionState(rawValue: rawState),
              let topicCount = buffer.readInteger(as: Int32.self)
        else { return nil }
        var partitions: Set<TransactionMetadata.Member> = []
        if topicCount > 0 {
            for _ in 0..<topicCount {
                guard let topic = try? buffer.readKafkaString(flexible: false),
                      let count = buffer.readInteger(as: Int32.self), count >= 0 else { return nil }
                for _ in 0..<count {
                    guard let partition = buffer.readInteger(as: Int32.self) else { return nil }
                    partitions.insert(.init(topic: topic, partition: partition))
                }
            }
        }
        guard let updated = buffer.readInteger(as: Int64.self), let started = buffer.readInteger(as: Int64.self) else {
            return nil
        }
        return TransactionMetadata(transactionalId: transactionalId, producerId: producerId, producerEpoch: epoch,
                                   timeoutMs: timeout, state: state, partitions: partitions, startTimestamp: started,
                                   lastUpdateTimestamp: updated)
    }
}

enum TransactionLogError: Error, CustomStringConvertible {
    case write(String)
    var description: String {
        switch self { case .write(let why): return "cannot write the transaction log: \(why)" }
    }
}
