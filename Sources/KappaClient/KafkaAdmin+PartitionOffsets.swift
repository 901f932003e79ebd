import CRdKafka

extension KafkaAdmin {
    /// The group's committed offsets for these partitions only (partitions without one are left out).
    /// Naming the partitions also works where asking for all of them does not (librdkafka's mock
    /// cluster answers that OffsetFetch in a form librdkafka 2.0 cannot parse).
    public func committedOffsets(group: String, partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        return try self.withAdminHandle { handle in
            let list = PartitionList.make(partitions.sorted())
            defer { rd_kafka_topic_partition_list_destroy(list) }
            guard let request = rd_kafka_ListConsumerGroupOffsets_new(group, list) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot read the offsets of group '\(group)'")
            }
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
            var requests: [OpaquePointer?] = [request]
            return try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeoutMs: self.requestTimeoutMs,
                what: "cannot read the offsets of group '\(group)'",
                start: { rd_kafka_ListConsumerGroupOffsets(handle, &requests, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_ListConsumerGroupOffsets_result_groups(
                        rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
                    var offsets: [TopicPartition: Int64] = [:]
                    for result in AdminRequest.elements(results, count) {
                        if let error = AdminRequest.groupError(
                            rd_kafka_group_result_error(result), group: group, action: "read the offsets of")
                        {
                            throw error
                        }
                        for entry in PartitionList.entries(rd_kafka_group_result_partitions(result))
                        where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
                            offsets[entry.partition] = entry.offset
                        }
                    }
                    return offsets
                })
        }
    }
}
