import KappaClient
import Testing

extension KappaClientTests {
    /// Producer, group consumer and the group admin calls against one broker, in the order a dashboard
    /// user would meet them.
    @Suite struct GroupFlow {
        static let keys = ["alpha", "bravo", "charlie"]

        @Test(.timeLimit(.minutes(1))) func produceConsumeCommitDescribeResetDelete() async throws {
            try await withBroker { broker in
                let logs = LogCapture()
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let admin = try KafkaAdmin(config: config, logger: logs.logger())
                defer { admin.close() }
                try admin.createTopic("orders", partitions: 2, replicationFactor: 1, configs: [:])
                let partitions = [TopicPartition(topic: "orders", partition: 0), TopicPartition(topic: "orders", partition: 1)]

                // Three keyed records with headers (one without a value), with their delivery reports.
                let producer = try ProducerClient(config: config, logger: logs.logger())
                let deliveries = Deliveries()
                for (index, key) in Self.keys.enumerated() {
                    producer.send(
                        topic: "orders", partition: nil, key: Array(key.utf8), value: Array("value-\(index)".utf8),
                        headers: [("trace", Array("t\(index)".utf8)), ("none", nil)], completion: deliveries.completion(key))
                }
                let delivered = try await deliveries.wait(for: 3)
                producer.close()
                for key in Self.keys {
                    // murmur2_random puts keys where the Java client and kafka-python do.
                    #expect(delivered[key]?.partition == Murmur2.partition(for: Array(key.utf8), partitions: 2), "\(key)")
                }
                for partition in [Int32(0), 1] {
                    let offsets = delivered.values.filter { $0.partition == partition }.map(\.offset).sorted()
                    #expect(offsets == Array(0..<Int64(offsets.count)))
                }

                // Watermarks agree with what was delivered.
                var highs: [TopicPartition: Int64] = [:]
                for tp in partitions {
                    let (low, high) = try admin.watermarks(tp)
                    #expect(low == 0)
                    highs[tp] = high
                }
                #expect(highs.values.reduce(0, +) == 3)

                // A group consumer reads them and commits automatically.
                var consumerConfig = config
                consumerConfig.clientId = "audit-client"
                consumerConfig.properties["auto.commit.interval.ms"] = "100"
                let received = Received()
                let consumer = try GroupConsumer(
                    config: consumerConfig, groupId: "audit", logger: logs.logger(), onRecords: received.onRecords,
                    onError: received.onError)
                try consumer.subscribe(["orders"])
                #expect(await eventually(within: 20) { received.all.count >= 3 })
                for record in received.all {
                    let key = String(decoding: record.key ?? [], as: UTF8.self)
                    let index = try #require(Self.keys.firstIndex(of: key))
                    #expect(record.topic == "orders")
                    #expect(record.value == Array("value-\(index)".utf8))
                    #expect(record.headers == [RecordHeader(key: "trace", value: Array("t\(index)".utf8)), RecordHeader(key: "none", value: nil)])
                    #expect(delivered[key].map { ($0.partition, $0.offset) } ?? (-1, -1) == (record.partition, record.offset))
                    #expect(record.timestamp > 1_600_000_000_000)
                }
                #expect(consumer.assignment == partitions)
                let committed = highs.filter { $0.value > 0 }
                #expect(await eventually { (try? admin.committedOffsets(group: "audit")) == committed })

                // The group as listed and described while its member is active.
                #expect(try admin.listGroups().contains(GroupListing(groupId: "audit", state: "Stable", protocolType: "consumer")))
                let described = try #require(try admin.describeGroups(["audit"]).first)
                #expect(described.groupId == "audit")
                #expect(described.state == "Stable")
                #expect(described.protocolName == "range")
                #expect(described.members.count == 1)
                #expect(described.members.first?.clientId == "audit-client")
                #expect(described.members.first?.assignment == partitions)
                #expect(described.members.first?.host.isEmpty == false)

                // Offsets cannot be reset under an active member...
                let busy = try #require(throws: KafkaClientError.self) {
                    try admin.alterCommittedOffsets(group: "audit", [partitions[0]: -2, partitions[1]: -2])
                }
                #expect(busy.description.contains("active members"), "\(busy)")

                // ...but can once it left: reset to earliest.
                consumer.close()
                #expect(received.allErrors.isEmpty, "\(received.allErrors)")
                #expect(try await eventually { try admin.listGroups().first { $0.groupId == "audit" }?.state == "Empty" })
                try admin.alterCommittedOffsets(group: "audit", [partitions[0]: -2, partitions[1]: -2])
                #expect(try admin.committedOffsets(group: "audit") == [partitions[0]: 0, partitions[1]: 0])

                // A non-empty group cannot be deleted; an empty one can.
                try admin.deleteGroup("audit")
                #expect(try !admin.listGroups().contains { $0.groupId == "audit" })
                let gone = try #require(throws: KafkaClientError.self) { try admin.deleteGroup("audit") }
                #expect(gone.description.contains("'audit'"), "\(gone)")
            }
        }

        /// Pausing stops delivery to `onRecords` while the member stays in the group; resuming brings
        /// the records produced meanwhile.
        @Test(.timeLimit(.minutes(1))) func pauseAndResume() async throws {
            try await withBroker { broker in
                let logs = LogCapture()
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let producer = try ProducerClient(config: config, logger: logs.logger())
                defer { producer.close() }
                let deliveries = Deliveries()
                producer.send(topic: "ticks", key: nil, value: [1], completion: deliveries.completion("first"))
                _ = try await deliveries.wait(for: 1)

                let received = Received()
                let consumer = try GroupConsumer(
                    config: config, groupId: "pausing", logger: logs.logger(), onRecords: received.onRecords,
                    onError: received.onError)
                defer { consumer.close() }
                try consumer.subscribe(["ticks"])
                #expect(await eventually(within: 20) { received.all.count == 1 })

                consumer.pause(true)
                #expect(consumer.isPaused)
                producer.send(topic: "ticks", key: nil, value: [2], completion: deliveries.completion("second"))
                _ = try await deliveries.wait(for: 2)
                try await Task.sleep(for: .milliseconds(1500))
                #expect(received.all.count == 1)
                #expect(consumer.assignment == [TopicPartition(topic: "ticks", partition: 0)])

                consumer.pause(false)
                #expect(await eventually { received.all.count == 2 })
                #expect(received.all.last?.value == [2])
            }
        }

        /// Null and empty keys and values stay distinct end to end.
        @Test(.timeLimit(.minutes(1))) func nullAndEmptyBytes() async throws {
            try await withBroker { broker in
                let logs = LogCapture()
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let producer = try ProducerClient(config: config, logger: logs.logger())
                let deliveries = Deliveries()
                producer.send(topic: "edge", partition: 0, key: nil, value: nil, completion: deliveries.completion("null"))
                producer.send(topic: "edge", partition: 0, key: [], value: [], headers: [("h", [])], completion: deliveries.completion("empty"))
                let delivered = try await deliveries.wait(for: 2)
                producer.close()
                #expect(delivered["null"]?.offset == 0)
                #expect(delivered["empty"]?.offset == 1)

                let reader = try RecordReader(config: config, logger: logs.logger())
                defer { reader.close() }
                let records = try reader.read(TopicPartition(topic: "edge", partition: 0), from: 0, maxRecords: 10)
                #expect(records.count == 2)
                #expect(records.first?.key == nil)
                #expect(records.first?.value == nil)
                #expect(records.last?.key == [])
                #expect(records.last?.value == [])
                #expect(records.last?.headers == [RecordHeader(key: "h", value: [])])
            }
        }
    }
}
