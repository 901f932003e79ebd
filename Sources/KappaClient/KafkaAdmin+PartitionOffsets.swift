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
            return try self.listCommittedOffsets(handle: handle, group: group, partitions: list)
        }
    }
}
