import KappaWire

extension Broker {
    func createTopics(_ request: CreateTopicsRequest, version: Int16) -> BrokerReply {
        let results = request.topics.map { topic -> CreateTopicsResponse.CreatableTopicResult in
            func failure(_ code: ErrorCode, _ message: String) -> CreateTopicsResponse.CreatableTopicResult {
                .init(name: topic.name, errorCode: code.rawValue, errorMessage: message, numPartitions: -1, replicationFactor: -1)
            }
            var partitions = topic.numPartitions == -1 ? self.config.defaultPartitions : topic.numPartitions
            if !topic.assignments.isEmpty {
                guard topic.numPartitions == -1, topic.replicationFactor == -1 else {
                    return failure(.invalidRequest, "give either assignments or partitions and replication factor, not both")
                }
                guard topic.assignments.allSatisfy({ $0.brokerIds == [self.config.nodeId] }) else {
                    return failure(.invalidReplicaAssignment, "this broker is node \(self.config.nodeId), the only one in the cluster")
                }
                partitions = Int32(topic.assignments.count)
            }
            guard topic.replicationFactor == -1 || topic.replicationFactor == 1 else {
                return failure(.invalidReplicationFactor,
                               "replication factor \(topic.replicationFactor) is larger than the number of brokers (1)")
            }
            var configs: [String: String] = [:]
            for entry in topic.configs {
                if let value = entry.value { configs[entry.name] = value }
            }
            do {
                let created = try self.topics.create(name: topic.name, partitions: partitions, configs: configs,
                                                     validateOnly: request.validateOnly)
                if !request.validateOnly {
                    self.logger.info("created topic '\(topic.name)' with \(partitions) partition(s)")
                }
                return .init(name: topic.name, topicId: created.id, errorCode: 0, errorMessage: nil,
                             numPartitions: partitions, replicationFactor: 1,
                             configs: self.configEntries(for: configs).map {
                                 .init(name: $0.name, value: $0.value, readOnly: $0.readOnly, configSource: $0.configSource, isSensitive: false)
                             })
            } catch TopicRegistry.CreateError.exists {
                return failure(.topicAlreadyExists, "topic '\(topic.name)' already exists")
            } catch TopicRegistry.CreateError.invalid(let code, let message) {
                return failure(code, message)
            } catch {
                self.logger.error("creating topic '\(topic.name)' failed: \(error)")
                return failure(.kafkaStorageError, "\(error)")
            }
        }
        return self.reply(CreateTopicsResponse(throttleTimeMs: 0, topics: results), version: version)
    }

    func deleteTopics(_ request: DeleteTopicsRequest, version: Int16) -> BrokerReply {
        // v6 names topics by name or id in `topics`; earlier versions list names.
        let targets: [(name: String?, id: KafkaUUID)] = version >= 6
            ? request.topics.map { ($0.name, $0.topicId) }
            : request.topicNames.map { ($0, KafkaUUID.zero) }
        let results = targets.map { target -> DeleteTopicsResponse.DeletableTopicResult in
            let name = target.name ?? self.topics.topic(withId: target.id)?.name
            guard let name, let topic = self.topics.topic(name) else {
                let code: ErrorCode = target.name == nil ? .unknownTopicId : .unknownTopicOrPartition
                return .init(name: target.name, topicId: target.id, errorCode: code.rawValue, errorMessage: "unknown topic")
            }
            do {
                _ = try self.topics.delete(name: name)
                self.logger.info("deleted topic '\(name)'")
                try self.groups.offsets.deleteTopic(name)
                return .init(name: name, topicId: topic.id, errorCode: 0)
            } catch {
                self.logger.error("deleting topic '\(name)' failed: \(error)")
                return .init(name: name, topicId: topic.id, errorCode: ErrorCode.kafkaStorageError.rawValue, errorMessage: "\(error)")
            }
        }
        return self.reply(DeleteTopicsResponse(throttleTimeMs: 0, responses: results), version: version)
    }

    func createPartitions(_ request: CreatePartitionsRequest, version: Int16) -> BrokerReply {
        let results = request.topics.map { topic -> CreatePartitionsResponse.CreatePartitionsTopicResult in
            do {
                try self.topics.addPartitions(name: topic.name, totalCount: topic.count, validateOnly: request.validateOnly)
                if !request.validateOnly {
                    self.logger.info("topic '\(topic.name)' now has \(topic.count) partitions")
                }
                return .init(name: topic.name, errorCode: 0, errorMessage: nil)
            } catch TopicRegistry.CreateError.invalid(let code, let message) {
                return .init(name: topic.name, errorCode: code.rawValue, errorMessage: message)
            } catch {
                return .init(name: topic.name, errorCode: ErrorCode.kafkaStorageError.rawValue, errorMessage: "\(error)")
            }
        }
        return self.reply(CreatePartitionsResponse(throttleTimeMs: 0, results: results), version: version)
    }

    /// Offset -1 means "up to the high watermark", as in Kafka.
    func deleteRecords(_ request: DeleteRecordsRequest, version: Int16) -> BrokerReply {
        let topics = request.topics.map { topic in
            DeleteRecordsResponse.DeleteRecordsTopicResult(name: topic.name, partitions: topic.partitions.map { p in
                guard let partition = self.topics.partition(topic.name, p.partitionIndex) else {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.unknownTopicOrPartition.rawValue)
                }
                let offsets = partition.offsets
                let target = p.offset == -1 ? offsets.logEnd : p.offset
                guard target >= 0, target <= offsets.logEnd else {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: offsets.logStart, errorCode: ErrorCode.offsetOutOfRange.rawValue)
                }
                do {
                    let low = try partition.deleteRecords(before: max(target, offsets.logStart))
                    self.logger.info("deleted records of \(topic.name)-\(p.partitionIndex) before offset \(low)")
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: low, errorCode: 0)
                } catch {
                    self.logger.error("deleting records of \(topic.name)-\(p.partitionIndex) failed: \(error)")
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: offsets.logStart, errorCode: ErrorCode.kafkaStorageError.rawValue)
                }
            })
        }
        return self.reply(DeleteRecordsResponse(throttleTimeMs: 0, topics: topics), version: version)
    }
}
