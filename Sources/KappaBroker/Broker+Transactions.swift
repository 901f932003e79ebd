import KappaWire
import NIOCore

/// The transaction APIs: what producers send (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
/// TxnOffsetCommit), what `kafka-transactions.sh` sends (DescribeTransactions, ListTransactions,
/// DescribeProducers, and WriteTxnMarkers for `abort`).
extension Broker {
    /// Clients before version 2 of these APIs do not know PRODUCER_FENCED (KafkaApis does the same).
    private static func fenceCompatible(_ error: ErrorCode, version: Int16, newCodesFrom: Int16 = 2) -> ErrorCode {
        error == .producerFenced && version < newCodesFrom ? .invalidProducerEpoch : error
    }

    func addPartitionsToTxn(_ request: AddPartitionsToTxnRequest, version: Int16, eventLoop: any EventLoop)
        -> EventLoopFuture<BrokerReply>
    {
        // v4+ (KIP-890's batched, broker-verified shape) is not advertised.
        var members: [TransactionMetadata.Member] = []
        var unknown: Set<TransactionMetadata.Member> = []
        for topic in request.v3AndBelowTopics {
            for index in topic.partitions {
                let member = TransactionMetadata.Member(topic: topic.name, partition: index)
                if TopicName.isInternal(topic.name) || self.topics.partition(topic.name, index) == nil {
                    unknown.insert(member)
                } else {
                    members.append(member)
                }
            }
        }
        @Sendable func respond(_ code: (TransactionMetadata.Member) -> ErrorCode) -> BrokerReply {
            let results = request.v3AndBelowTopics.map { topic in
                AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult(name: topic.name, resultsByPartition: topic.partitions.map {
                    .init(partitionIndex: $0, partitionErrorCode: code(.init(topic: topic.name, partition: $0)).rawValue)
                })
            }
            return self.reply(AddPartitionsToTxnResponse(throttleTimeMs: 0, resultsByTopicV3AndBelow: results), version: version)
        }
        if !unknown.isEmpty {
            // Kafka's answer: the unknown ones say why, the rest were not attempted.
            return eventLoop.makeSucceededFuture(respond { unknown.contains($0) ? .unknownTopicOrPartition : .operationNotAttempted })
        }
        return self.transactions.add(members, transactionalId: request.v3AndBelowTransactionalId,
                                     producerId: request.v3AndBelowProducerId, epoch: request.v3AndBelowProducerEpoch,
                                     eventLoop: eventLoop).map { error in
            let code = Self.fenceCompatible(error, version: version)
            return respond { _ in code }
        }
    }

    func addOffsetsToTxn(_ request: AddOffsetsToTxnRequest, version: Int16, eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        guard !request.groupId.isEmpty else {
            return eventLoop.makeSucceededFuture(self.reply(
                AddOffsetsToTxnResponse(throttleTimeMs: 0, errorCode: ErrorCode.invalidGroupId.rawValue), version: version))
        }
        let member = TransactionMetadata.Member(topic: TransactionMetadata.offsetsTopic,
                                                partition: TransactionMetadata.offsetsPartition(for: request.groupId))
        return self.transactions.add([member], group: request.groupId, transactionalId: request.transactionalId,
                                     producerId: request.producerId, epoch: request.producerEpoch,
                                     eventLoop: eventLoop).map { error in
            self.reply(AddOffsetsToTxnResponse(throttleTimeMs: 0,
                                               errorCode: Self.fenceCompatible(error, version: version).rawValue), version: version)
        }
    }

    func endTxn(_ request: EndTxnRequest, version: Int16, eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        self.transactions.endTransaction(transactionalId: request.transactionalId, producerId: request.producerId,
                                         epoch: request.producerEpoch, commit: request.committed,
                                         eventLoop: eventLoop).map { answer in
            self.reply(EndTxnResponse(throttleTimeMs: 0, errorCode: Self.fenceCompatible(answer.error, version: version).rawValue,
                                      producerId: answer.producerId, producerEpoch: answer.epoch), version: version)
        }
    }

    /// Stages the offsets in the open transaction; OffsetFetch shows them only once it commits.
    func txnOffsetCommit(_ request: TxnOffsetCommitRequest, version: Int16) -> BrokerReply {
        var verdict = self.transactions.validateOffsetCommit(transactionalId: request.transactionalId,
                                                             producerId: request.producerId, epoch: request.producerEpoch,
                                                             group: request.groupId)
        if verdict == .producerFenced { verdict = .invalidProducerEpoch }
        // v3 (KIP-447) carries the consumer's generation: a zombie member of the group is refused.
        if verdict == .none, version >= 3, request.generationId >= 0 || !request.memberId.isEmpty {
            verdict = self.groups.validateCommit(groupId: request.groupId, generationId: request.generationId,
                                                 memberId: request.memberId)
        }
        let now = Self.nowMs()
        var staged: [(OffsetStore.Key, OffsetStore.Committed)] = []
        var topics = request.topics.map { topic in
            TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic(name: topic.name, partitions: topic.partitions.map { p in
                var code = verdict
                if code == .none {
                    if self.topics.partition(topic.name, p.partitionIndex) == nil {
                        code = .unknownTopicOrPartition
                    } else {
                        staged.append((OffsetStore.Key(topic: topic.name, partition: p.partitionIndex),
                                       OffsetStore.Committed(offset: p.committedOffset,
                                                             leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1,
                                                             metadata: p.committedMetadata, commitTimestamp: now)))
                    }
                }
                return .init(partitionIndex: p.partitionIndex, errorCode: code.rawValue)
            })
        }
        if !staged.isEmpty {
            do {
                try self.groups.offsets.stage(producerId: request.producerId, group: request.groupId, staged)
            } catch {
                self.logger.error("staging offsets of group '\(request.groupId)' in transaction '\(request.transactionalId)': \(error)")
                for t in topics.indices {
                    for p in topics[t].partitions.indices where topics[t].partitions[p].errorCode == 0 {
                        topics[t].partitions[p].errorCode = ErrorCode.kafkaStorageError.rawValue
                    }
                }
            }
        }
        return self.reply(TxnOffsetCommitResponse(throttleTimeMs: 0, topics: topics), version: version)
    }

    /// What `kafka-transactions.sh abort` sends to end a hanging transaction in a partition.
    func writeTxnMarkers(_ request: WriteTxnMarkersRequest, version: Int16, eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        let now = Self.nowMs()
        let mustSync = self.config.log.flush == .always
        var syncs: [EventLoopFuture<Void>] = []
        let markers = request.markers.map { marker in
            WriteTxnMarkersResponse.WritableTxnMarkerResult(producerId: marker.producerId, topics: marker.topics.map { topic in
                .init(name: topic.name, partitions: topic.partitionIndexes.map { index in
                    guard let partition = self.topics.partition(topic.name, index) else {
                        return .init(partitionIndex: index, errorCode: ErrorCode.unknownTopicOrPartition.rawValue)
                    }
                    let kind: EndTransactionMarker.Kind = marker.transactionResult ? .commit : .abort
                    let result = partition.appendMarker(EndTransactionMarker(kind: kind, coordinatorEpoch: marker.coordinatorEpoch),
                                                        producerId: marker.producerId, epoch: marker.producerEpoch, now: now)
                    if result.error == .none {
                        self.logger.info("\(topic.name)-\(index): \(kind == .commit ? "COMMIT" : "ABORT") marker written for producer \(marker.producerId) (epoch \(marker.producerEpoch)) on request")
                        if mustSync {
                            syncs.append(partition.whenSynced(through: result.baseOffset, flusher: self.flusher, eventLoop: eventLoop))
                        }
                    }
                    return .init(partitionIndex: index, errorCode: result.error.rawValue)
                })
            })
        }
        let response = WriteTxnMarkersResponse(markers: markers)
        return EventLoopFuture.whenAllComplete(syncs, on: eventLoop).map { outcomes in
            var response = response
            if outcomes.contains(where: { if case .failure = $0 { return true } else { return false } }) {
                for m in response.markers.indices {
                    for t in response.markers[m].topics.indices {
                        for p in response.markers[m].topics[t].partitions.indices
                        where response.markers[m].topics[t].partitions[p].errorCode == 0 {
                            response.markers[m].topics[t].partitions[p].errorCode = ErrorCode.kafkaStorageError.rawValue
                        }
                    }
                }
            }
            return self.reply(response, version: version)
        }
    }

    func describeTransactions(_ request: DescribeTransactionsRequest, version: Int16) -> BrokerReply {
        let states = request.transactionalIds.map { id -> DescribeTransactionsResponse.TransactionState in
            guard !id.isEmpty else {
                return .init(errorCode: ErrorCode.invalidRequest.rawValue, transactionalId: id, transactionState: "",
                             transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [])
            }
            guard let m = self.transactions.describe(transactionalId: id) else {
                return .init(errorCode: ErrorCode.transactionalIdNotFound.rawValue, transactionalId: id, transactionState: "",
                             transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [])
            }
            let byTopic = Dictionary(grouping: m.partitions, by: \.topic)
            return .init(errorCode: 0, transactionalId: id, transactionState: m.state.name, transactionTimeoutMs: m.timeoutMs,
                         transactionStartTimeMs: m.startTimestamp, producerId: m.producerId, producerEpoch: m.producerEpoch,
                         topics: byTopic.keys.sorted().map { topic in
                             .init(topic: topic, partitions: (byTopic[topic] ?? []).map(\.partition).sorted())
                         })
        }
        return self.reply(DescribeTransactionsResponse(throttleTimeMs: 0, transactionStates: states), version: version)
    }

    func listTransactions(_ request: ListTransactionsRequest, version: Int16) -> BrokerReply {
        var states: Set<TransactionState> = []
        var unknown: [String] = []
        for name in request.stateFilters {
            if let state = TransactionState(name: name) { states.insert(state) } else { unknown.append(name) }
        }
        // Only unknown states asked for: nothing can match (Kafka lists none rather than all).
        let listed = !request.stateFilters.isEmpty && states.isEmpty ? [] :
            self.transactions.list(states: states, producerIds: Set(request.producerIdFilters),
                                   olderThanMs: version >= 1 ? request.durationFilter : -1, now: Self.nowMs())
        let response = ListTransactionsResponse(
            throttleTimeMs: 0, errorCode: 0, unknownStateFilters: unknown,
            transactionStates: listed.map { .init(transactionalId: $0.transactionalId, producerId: $0.producerId,
                                                  transactionState: $0.state.name) })
        return self.reply(response, version: version)
    }

    func describeProducers(_ request: DescribeProducersRequest, version: Int16) -> BrokerReply {
        let topics = request.topics.map { topic in
            DescribeProducersResponse.TopicResponse(name: topic.name, partitions: topic.partitionIndexes.map { index in
                guard let partition = self.topics.partition(topic.name, index) else {
                    return .init(partitionIndex: index, errorCode: ErrorCode.unknownTopicOrPartition.rawValue,
                                 errorMessage: nil, activeProducers: [])
                }
                return .init(partitionIndex: index, errorCode: 0, errorMessage: nil, activeProducers: partition.activeProducers.map {
                    .init(producerId: $0.producerId, producerEpoch: Int32($0.epoch), lastSequence: $0.lastSequence,
                          lastTimestamp: $0.lastTimestamp, coordinatorEpoch: $0.coordinatorEpoch,
                          currentTxnStartOffset: $0.currentTxnStartOffset)
                })
            })
        }
        return self.reply(DescribeProducersResponse(throttleTimeMs: 0, topics: topics), version: version)
    }
}
