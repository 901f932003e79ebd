import KappaLog
import KappaWire
import NIOCore

extension Broker {
    /// Appends each partition's batches. With `--flush always` the answer waits until every appended
    /// partition is synced (on the `LogFlusher`, one sync for all produces waiting on a partition);
    /// otherwise it is ready at once.
    func produce(_ request: ProduceRequest, version: Int16, eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        let now = Self.nowMs()
        let mustSync = self.config.log.flush == .always
        var responses: [ProduceResponse.TopicProduceResponse] = []
        responses.reserveCapacity(request.topicData.count)
        var syncs: [PendingSync] = []
        for topicData in request.topicData {
            var topic = self.topics.topic(topicData.name)
            if topic == nil { topic = self.autoCreate(topicData.name) }
            let unknownTopicError: ErrorCode = TopicName.isValid(topicData.name) ? .unknownTopicOrPartition : .invalidTopic
            let maxMessageBytes = topic.map { self.topics.logConfig(for: $0.configs).maxMessageBytes } ?? 0
            var partitions: [ProduceResponse.TopicProduceResponse.PartitionProduceResponse] = []
            partitions.reserveCapacity(topicData.partitionData.count)
            for data in topicData.partitionData {
                guard let topic, data.index >= 0, Int(data.index) < topic.partitions.count else {
                    partitions.append(.init(index: data.index, errorCode: unknownTopicError.rawValue, baseOffset: -1))
                    continue
                }
                guard let records = data.records, records.readableBytes > 0 else {
                    partitions.append(.init(index: data.index, errorCode: ErrorCode.corruptMessage.rawValue, baseOffset: -1,
                                            errorMessage: "no records"))
                    continue
                }
                let partition = topic.partitions[Int(data.index)]
                let result = partition.append(records, maxMessageBytes: maxMessageBytes, now: now)
                if result.error == .kafkaStorageError {
                    // Nothing of it stayed in the log; reads and earlier data are unaffected.
                    let why = result.message ?? "storage error"
                    self.logger.error("produce to \(topic.name)-\(data.index) failed, not written: \(why)")
                } else if result.error != .none {
                    self.logger.warning("produce to \(topic.name)-\(data.index) rejected: \(result.error) \(result.message ?? "")")
                } else if mustSync {
                    let synced = partition.whenSynced(through: result.baseOffset, flusher: self.flusher,
                                                      eventLoop: eventLoop)
                    syncs.append(PendingSync(topic: responses.count, partition: partitions.count,
                                             name: "\(topic.name)-\(data.index)", synced: synced))
                }
                partitions.append(.init(
                    index: data.index, errorCode: result.error.rawValue, baseOffset: result.baseOffset,
                    logAppendTimeMs: result.logAppendTimeMs, logStartOffset: result.logStartOffset,
                    errorMessage: result.error == .none ? nil : result.message))
            }
            responses.append(.init(name: topicData.name, partitionResponses: partitions))
        }
        // acks=0: nobody waits for an answer; the syncs still happen.
        if request.acks == 0 { return eventLoop.makeSucceededFuture(.noResponse) }
        let appended = ProduceResponse(responses: responses, throttleTimeMs: 0)
        guard !syncs.isEmpty else { return eventLoop.makeSucceededFuture(self.reply(appended, version: version)) }
        let waits = syncs
        return EventLoopFuture.whenAllComplete(waits.map(\.synced), on: eventLoop).map { outcomes in
            var response = appended
            for (sync, outcome) in zip(waits, outcomes) {
                guard case .failure(let error) = outcome else { continue }
                self.logger.error("sync of \(sync.name) failed: \(error)")
                let storageError = ErrorCode.kafkaStorageError
                response.responses[sync.topic].partitionResponses[sync.partition].errorCode = storageError.rawValue
                response.responses[sync.topic].partitionResponses[sync.partition].baseOffset = -1
                response.responses[sync.topic].partitionResponses[sync.partition].errorMessage = "\(error)"
            }
            return self.reply(response, version: version)
        }
    }
}

/// A produced partition whose answer waits for a sync: where it sits in the response.
private struct PendingSync: Sendable {
    var topic: Int
    var partition: Int
    var name: String
    var synced: EventLoopFuture<Void>
}
