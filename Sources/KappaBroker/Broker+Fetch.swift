import KappaLog
import KappaWire
import NIOCore

extension Broker {
    /// Answers at once when `min_bytes` are there (or the wait is zero); otherwise parks the fetch on
    /// its partitions until an append wakes it or `max_wait_ms` passes. Consumers poll in a loop, so
    /// a fetch that returned empty at once would make every idle consumer spin.
    func fetch(_ request: FetchRequest, version: Int16, connection: ClientConnection? = nil,
               eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        // Sessions (KIP-227) are not kept: session id 0 in every answer tells clients to send full fetches.
        if version >= 7, request.sessionId != 0 {
            let response = FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0, responses: [])
            return eventLoop.makeSucceededFuture(self.reply(response, version: version))
        }
        let promise = eventLoop.makePromise(of: BrokerReply.self)
        let deadline = NIODeadline.now() + .milliseconds(Int64(max(0, request.maxWaitMs)))
        let operation = FetchOperation(broker: self, request: request, version: version, deadline: deadline,
                                       eventLoop: eventLoop, promise: promise,
                                       minimumFileBytes: connection?.acceptsFileRegions == true
                                           ? Self.minimumFileRegionBytes : nil)
        operation.attempt()
        return promise.futureResult
    }

    /// Reads at least this many bytes of one partition are sent from the log file (zero-copy) on
    /// connections that allow it; smaller ones are copied, which is cheaper than a `sendfile` each.
    static let minimumFileRegionBytes = 32 << 10

    /// Reads what every requested partition has now. With `minimumFileBytes`, large reads come back
    /// as file regions (`FetchCollection.regions`) instead of bytes.
    func collectFetch(_ request: FetchRequest, version: Int16, minimumFileBytes: Int? = nil) -> FetchCollection {
        // read_committed (v4+): nothing at or past the LSO, and the aborted transactions to drop.
        let readCommitted = version >= 4 && request.isolationLevel == 1
        var remaining = version >= 3 ? Int(request.maxBytes) : Int(Int32.max)
        if remaining <= 0 { remaining = Int(Int32.max) }
        remaining = min(remaining, max(1, self.config.fetchMaxBytes))
        var total = 0
        var watched: [(Partition, Int64)] = []
        var failed = false
        var regions: [FileRegion?] = []
        var responses: [FetchResponse.FetchableTopicResponse] = []
        responses.reserveCapacity(request.topics.count)
        for topicRequest in request.topics {
            let topic = self.topics.topic(topicRequest.topic)
            var partitions: [FetchResponse.FetchableTopicResponse.PartitionData] = []
            partitions.reserveCapacity(topicRequest.partitions.count)
            for p in topicRequest.partitions {
                // Every partition gets one entry, in encoding order: the records writer pairs them up.
                regions.append(nil)
                guard let topic, p.partition >= 0, Int(p.partition) < topic.partitions.count else {
                    partitions.append(.init(partitionIndex: p.partition, errorCode: ErrorCode.unknownTopicOrPartition.rawValue,
                                            highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
                                            abortedTransactions: [], records: ByteBuffer()))
                    failed = true
                    continue
                }
                let partition = topic.partitions[Int(p.partition)]
                if version >= 9, p.currentLeaderEpoch > 0 {
                    let offsets = partition.offsets
                    partitions.append(.init(partitionIndex: p.partition, errorCode: ErrorCode.unknownLeaderEpoch.rawValue,
                                            highWatermark: offsets.logEnd, lastStableOffset: offsets.logEnd,
                                            logStartOffset: offsets.logStart, abortedTransactions: [], records: ByteBuffer()))
                    failed = true
                    continue
                }
                let budget = min(Int(p.partitionMaxBytes), remaining)
                do {
                    var records = ByteBuffer()
                    let offsets: Partition.Offsets
                    var aborted: [PartitionTransactions.Aborted] = []
                    if budget <= 0 && total > 0 {
                        offsets = partition.offsets
                    } else {
                        let chunk: LogChunk
                        (chunk, offsets, aborted) = try partition.fetch(from: p.fetchOffset, maxBytes: max(budget, 1),
                                                                        minimumFileBytes: minimumFileBytes,
                                                                        readCommitted: readCommitted)
                        switch chunk {
                        case .bytes(let bytes): records = bytes
                        case .file(let region): regions[regions.count - 1] = region
                        }
                        total += chunk.byteCount
                        remaining -= chunk.byteCount
                    }
                    watched.append((partition, offsets.logEnd))
                    // The last stable offset is the high watermark unless a transaction is open
                    // (never -1: librdkafka reads up to it by default).
                    partitions.append(.init(partitionIndex: p.partition, errorCode: 0,
                                            highWatermark: offsets.logEnd, lastStableOffset: offsets.lastStable,
                                            logStartOffset: offsets.logStart,
                                            abortedTransactions: aborted.map { .init(producerId: $0.producerId, firstOffset: $0.firstOffset) },
                                            preferredReadReplica: -1, records: records))
                } catch {
                    let offsets = partition.offsets
                    let code: ErrorCode
                    switch error {
                    case LogError.offsetOutOfRange: code = .offsetOutOfRange
                    // A stored batch failed its CRC (logged by the log once); what precedes it was served.
                    case LogError.corruptBatch: code = .corruptMessage
                    // Closed by shutdown or topic deletion while the fetch was parked: retriable, not a fault.
                    case LogError.closed: code = .leaderNotAvailable
                    default: code = .kafkaStorageError
                    }
                    if code == .kafkaStorageError {
                        self.logger.error("fetch from \(topic.name)-\(p.partition) at \(p.fetchOffset) failed: \(error)")
                    }
                    partitions.append(.init(partitionIndex: p.partition, errorCode: code.rawValue,
                                            highWatermark: offsets.logEnd, lastStableOffset: offsets.lastStable,
                                            logStartOffset: offsets.logStart, abortedTransactions: [], records: ByteBuffer()))
                    failed = true
                }
            }
            responses.append(.init(topic: topicRequest.topic, topicId: topic?.id ?? .zero, partitions: partitions))
        }
        return FetchCollection(response: FetchResponse(throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: responses),
                               regions: regions, bytes: total, watched: watched, failed: failed)
    }

    /// Encodes a collection: file regions, if any, are spliced in rather than copied.
    func reply(_ collection: FetchCollection, version: Int16) -> BrokerReply {
        guard collection.regions.contains(where: { $0 != nil }) else {
            return self.reply(collection.response, version: version)
        }
        var buffer = self.allocator.buffer(capacity: 256)
        var writer = SplicingRecordsWriter(regions: collection.regions)
        collection.response.write(to: &buffer, version: version, records: &writer)
        return .fileBacked(FileBackedResponse(body: buffer, splices: writer.splices))
    }
}

struct FetchCollection: Sendable {
    var response: FetchResponse
    /// Per partition of `response`, in encoding order: the file region holding its records, if they
    /// were read as one (the partition's `records` is then empty).
    var regions: [FileRegion?]
    var bytes: Int
    /// The partitions read and the log end each was read at, to park on.
    var watched: [(Partition, Int64)]
    /// An error to report: answer at once rather than wait.
    var failed: Bool

    /// Closes the regions' file handles, for a collection that is not sent (the fetch waits on).
    func discard() {
        for case let region? in self.regions { try? region.fileHandle.close() }
    }
}

/// One Fetch request in flight, re-run each time a partition it waits on receives data.
final class FetchOperation: Sendable {
    let broker: Broker
    let request: FetchRequest
    let version: Int16
    let deadline: NIODeadline
    let eventLoop: any EventLoop
    let promise: EventLoopPromise<BrokerReply>
    /// Set when the connection takes file regions: reads this large are not copied.
    let minimumFileBytes: Int?

    init(broker: Broker, request: FetchRequest, version: Int16, deadline: NIODeadline, eventLoop: any EventLoop,
         promise: EventLoopPromise<BrokerReply>, minimumFileBytes: Int?) {
        self.minimumFileBytes = minimumFileBytes
        self.broker = broker
        self.request = request
        self.version = version
        self.deadline = deadline
        self.eventLoop = eventLoop
        self.promise = promise
    }

    func attempt() {
        let collection = self.broker.collectFetch(self.request, version: self.version,
                                                  minimumFileBytes: self.minimumFileBytes)
        let minBytes = max(1, Int(self.request.minBytes))
        if collection.bytes >= minBytes || collection.failed || NIODeadline.now() >= self.deadline || collection.watched.isEmpty {
            self.promise.succeed(self.broker.reply(collection, version: self.version))
            return
        }
        collection.discard()
        let waiter = FetchWaiter { [self] in
            self.eventLoop.execute { self.attempt() }
        }
        for (partition, seenEnd) in collection.watched where !partition.park(waiter, ifLogEndIs: seenEnd) {
            // Data arrived between the read and the park: look again now.
            waiter.wake()
            return
        }
        self.eventLoop.scheduleTask(deadline: self.deadline) { waiter.wake() }
    }
}
