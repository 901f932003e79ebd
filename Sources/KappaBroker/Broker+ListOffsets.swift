import KappaWire

extension Broker {
    /// Timestamps -1 (latest), -2 (earliest) and -3 (max timestamp) are special; others find the
    /// first offset whose batch has a timestamp at or after the one asked for.
    func listOffsets(_ request: ListOffsetsRequest, version: Int16) -> BrokerReply {
        let topics = request.topics.map { topicRequest in
            ListOffsetsResponse.ListOffsetsTopicResponse(name: topicRequest.name, partitions: topicRequest.partitions.map { p in
                guard let partition = self.topics.partition(topicRequest.name, p.partitionIndex) else {
                    return .init(partitionIndex: p.partitionIndex, errorCode: ErrorCode.unknownTopicOrPartition.rawValue,
                                 timestamp: -1, offset: -1, leaderEpoch: -1)
                }
                if version >= 4, p.currentLeaderEpoch > 0 {
                    return .init(partitionIndex: p.partitionIndex, errorCode: ErrorCode.unknownLeaderEpoch.rawValue,
                                 timestamp: -1, offset: -1, leaderEpoch: -1)
                }
                let offsets = partition.offsets
                let found: (offset: Int64, timestamp: Int64)
                switch p.timestamp {
                // read_committed (v2+) consumers start from the LSO, not past an open transaction.
                case -1: found = (version >= 2 && request.isolationLevel == 1 ? offsets.lastStable : offsets.logEnd, -1)
                case -2: found = (offsets.logStart, -1)
                case -3: found = partition.maxTimestamp ?? (-1, -1)
                default: found = partition.offset(forTimestamp: p.timestamp) ?? (-1, -1)
                }
                return .init(partitionIndex: p.partitionIndex, errorCode: 0,
                             oldStyleOffsets: found.offset >= 0 ? [found.offset] : [],
                             timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.offset >= 0 ? 0 : -1)
            })
        }
        return self.reply(ListOffsetsResponse(throttleTimeMs: 0, topics: topics), version: version)
    }

    /// One leader epoch (0) for the life of every partition: its end is the log end.
    func offsetForLeaderEpoch(_ request: OffsetForLeaderEpochRequest, version: Int16) -> BrokerReply {
        let topics = request.topics.map { topicRequest in
            OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult(topic: topicRequest.topic, partitions: topicRequest.partitions.map { p in
                guard let partition = self.topics.partition(topicRequest.topic, p.partition) else {
                    return .init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                if p.currentLeaderEpoch > 0 {
                    return .init(errorCode: ErrorCode.unknownLeaderEpoch.rawValue, partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                if p.leaderEpoch > 0 {
                    // An epoch we never had: Kafka answers "undefined".
                    return .init(errorCode: 0, partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                return .init(errorCode: 0, partition: p.partition, leaderEpoch: 0, endOffset: partition.offsets.logEnd)
            })
        }
        return self.reply(OffsetForLeaderEpochResponse(throttleTimeMs: 0, topics: topics), version: version)
    }
}
