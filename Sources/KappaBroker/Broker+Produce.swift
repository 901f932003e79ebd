import KappaWire

extension Broker {
    func produce(_ request: ProduceRequest, version: Int16) -> BrokerReply {
        let now = Self.nowMs()
        var responses: [ProduceResponse.TopicProduceResponse] = []
        responses.reserveCapacity(request.topicData.count)
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
                if result.error != .none {
                    self.logger.warning("produce to \(topic.name)-\(data.index) rejected: \(result.error) \(result.message ?? "")")
                }
                partitions.append(.init(
                    index: data.index, errorCode: result.error.rawValue, baseOffset: result.baseOffset,
                    logAppendTimeMs: -1, logStartOffset: result.logStartOffset,
                    errorMessage: result.error == .none ? nil : result.message))
            }
            responses.append(.init(name: topicData.name, partitionResponses: partitions))
        }
        if request.acks == 0 { return .noResponse }
        return self.reply(ProduceResponse(responses: responses, throttleTimeMs: 0), version: version)
    }
}
