import KappaWire

extension Broker {
    /// Kafka's "no operations reported" sentinel for authorized-operations fields.
    static let authorizedOperationsUnknown = Int32.min

    func metadata(_ request: MetadataRequest, version: Int16) -> BrokerReply {
        var topics: [MetadataResponse.MetadataResponseTopic] = []
        // v0 sends an empty list for "all topics"; v1+ sends null.
        let requested = request.topics.flatMap { version == 0 && $0.isEmpty ? nil : $0 }
        if let requested {
            // Auto-creation is implied before v4, where the flag did not exist yet.
            let mayCreate = self.config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation)
            for entry in requested {
                var name = entry.name
                if name == nil || name == "", version >= 10, let topic = self.topics.topic(withId: entry.topicId) {
                    name = topic.name
                }
                guard let name, !name.isEmpty else {
                    topics.append(.init(errorCode: ErrorCode.unknownTopicId.rawValue, name: nil, topicId: entry.topicId))
                    continue
                }
                topics.append(self.describeTopic(name, create: mayCreate))
            }
        } else {
            topics = self.topics.all().map { self.describe($0) }
        }
        let response = MetadataResponse(
            throttleTimeMs: 0,
            brokers: [.init(nodeId: self.config.nodeId, host: self.config.advertisedHost, port: self.config.advertisedPort, rack: nil)],
            clusterId: self.config.clusterId,
            controllerId: self.config.nodeId,
            topics: topics,
            clusterAuthorizedOperations: Self.authorizedOperationsUnknown)
        return self.reply(response, version: version)
    }

    private func describeTopic(_ name: String, create: Bool) -> MetadataResponse.MetadataResponseTopic {
        if let topic = self.topics.topic(name) { return self.describe(topic) }
        if let why = TopicName.validationError(name) {
            self.logger.debug("metadata for invalid topic name: \(why)")
            return .init(errorCode: ErrorCode.invalidTopic.rawValue, name: name, isInternal: false, partitions: [])
        }
        guard create else {
            return .init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name, isInternal: false, partitions: [])
        }
        if let topic = self.autoCreate(name) { return self.describe(topic) }
        return .init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name, isInternal: false, partitions: [])
    }

    func describe(_ topic: TopicRegistry.Topic) -> MetadataResponse.MetadataResponseTopic {
        let node = self.config.nodeId
        return .init(
            errorCode: 0, name: topic.name, topicId: topic.id, isInternal: false,
            partitions: topic.partitions.map {
                .init(errorCode: 0, partitionIndex: $0.index, leaderId: node, leaderEpoch: 0,
                      replicaNodes: [node], isrNodes: [node], offlineReplicas: [])
            },
            topicAuthorizedOperations: Self.authorizedOperationsUnknown)
    }

    /// Creates a topic a client named without creating it (Metadata or Produce), with the default partition count.
    func autoCreate(_ name: String) -> TopicRegistry.Topic? {
        guard self.config.autoCreateTopics, TopicName.isValid(name) else { return nil }
        do {
            let topic = try self.topics.create(name: name, partitions: self.config.defaultPartitions, configs: [:])
            self.logger.info("auto-created topic '\(name)' with \(self.config.defaultPartitions) partition(s)")
            return topic
        } catch TopicRegistry.CreateError.exists {
            return self.topics.topic(name)
        } catch {
            self.logger.error("auto-creating topic '\(name)' failed: \(error)")
            return nil
        }
    }
}
