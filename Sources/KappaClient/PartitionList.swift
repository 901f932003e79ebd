import CRdKafka

/// Conversions between Swift values and `rd_kafka_topic_partition_list_t`, which most offset and
/// assignment calls take or return.
enum PartitionList {
    typealias Pointer = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// A new list the caller destroys with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ entries: [(TopicPartition, Int64)]) -> Pointer {
        // librdkafka aborts on allocation failure rather than returning null, so this never traps.
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: entries.count)) else {
            preconditionFailure("librdkafka returned no partition list")
        }
        for (tp, offset) in entries {
            rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)?.pointee.offset = offset
        }
        return list
    }

    static func make(_ partitions: [TopicPartition]) -> Pointer {
        Self.make(partitions.map { ($0, Int64(RdKafkaOffset.invalid)) })
    }

    struct Entry {
        var partition: TopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
    }

    static func entries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [Entry] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return Entry(
                partition: TopicPartition(topic: CString.string(element.topic), partition: element.partition),
                offset: element.offset, error: element.err)
        }
    }

    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        Self.entries(list).map(\.partition)
    }
}
