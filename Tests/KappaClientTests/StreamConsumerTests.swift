import KappaClient
import Testing

extension KappaClientTests {
    /// The polled consumer of the command-line tools: plain readers at chosen offsets with end-of-partition
    /// events, group members that commit exactly what they returned, and committed offsets by partition.
    @Suite struct StreamConsuming {
        static func seed(_ config: ClientConfig, topic: String, partitions: Int32, perPartition: Int) async throws {
            let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
            defer { admin.close() }
            try admin.createTopic(topic, partitions: partitions, replicationFactor: 1, configs: [:])
            let producer = try ProducerClient(config: config, logger: LogCapture().logger())
            defer { producer.close() }
            let deliveries = Deliveries()
            for partition in 0..<partitions {
                for index in 0..<perPartition {
                    producer.send(
                        topic: topic, partition: partition, key: Array("k\(index)".utf8),
                        value: Array("p\(partition)-\(index)".utf8),
                        completion: deliveries.completion("\(partition)-\(index)"))
                }
            }
            _ = try await deliveries.wait(for: Int(partitions) * perPartition, within: 30)
        }

        /// Polls until every assigned partition reported its end (or `seconds` pass).
        static func readToEnd(_ consumer: StreamConsumer, seconds: Double = 15) async throws -> (
            records: [ConsumedRecord], ends: [TopicPartition: Int64]
        ) {
            var records: [ConsumedRecord] = []
            var ends: [TopicPartition: Int64] = [:]
            let done = try await eventually(within: seconds) {
                for event in try consumer.poll(timeoutMs: 100) {
                    switch event {
                    case .record(let record): records.append(record)
                    case .endOfPartition(let tp, let offset): ends[tp] = offset
                    case .error(let error): throw error
                    }
                }
                let assigned = consumer.assignment
                return !assigned.isEmpty && assigned.allSatisfy { ends[$0] != nil }
            }
            #expect(done, "ends seen: \(ends)")
            return (records, ends)
        }

        @Test(.timeLimit(.minutes(1))) func plainReaderFromChosenOffsets() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                try await Self.seed(config, topic: "plain", partitions: 2, perPartition: 5)
                let consumer = try StreamConsumer(config: config, groupId: nil, logger: LogCapture().logger())
                defer { consumer.close() }
                let p0 = TopicPartition(topic: "plain", partition: 0)
                let p1 = TopicPartition(topic: "plain", partition: 1)
                try consumer.assign([p0: 3, p1: StreamConsumer.beginning])
                #expect(consumer.assignment == [p0, p1])
                #expect(throws: KafkaClientError.self) { try consumer.subscribe(["plain"]) }
                let (records, ends) = try await Self.readToEnd(consumer)
                #expect(records.filter { $0.partition == 0 }.map(\.offset) == [3, 4])
                #expect(records.filter { $0.partition == 1 }.map(\.offset) == [0, 1, 2, 3, 4])
                #expect(records.first { $0.partition == 1 }?.value == Array("p1-0".utf8))
                #expect(ends == [p0: 5, p1: 5])
                // A bounded poll returns no more than asked for.
                try consumer.assign([p1: StreamConsumer.beginning])
                var first: [ConsumerEvent] = []
                _ = try await eventually {
                    first = try consumer.poll(timeoutMs: 100, maxEvents: 2)
                    return !first.isEmpty
                }
                #expect(first.count <= 2)
            }
        }

        @Test(.timeLimit(.minutes(1))) func groupMemberCommitsWhatItReturned() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                try await Self.seed(config, topic: "grouped", partitions: 1, perPartition: 10)
                let tp = TopicPartition(topic: "grouped", partition: 0)
                let consumer = try StreamConsumer(config: config, groupId: "cli-group", logger: LogCapture().logger())
                #expect(throws: KafkaClientError.self) { try consumer.assign([tp: 0]) }
                try consumer.subscribe(["grouped"])
                var records: [ConsumedRecord] = []
                let gotFour = try await eventually(within: 20) {
                    for event in try consumer.poll(timeoutMs: 100, maxEvents: 4 - records.count) {
                        if case .record(let record) = event { records.append(record) }
                    }
                    return records.count == 4
                }
                #expect(gotFour)
                #expect(consumer.assignment == [tp])
                consumer.close()

                let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
                defer { admin.close() }
                #expect(try admin.committedOffsets(group: "cli-group") == [tp: 4])
                #expect(try admin.committedOffsets(group: "cli-group", partitions: [tp]) == [tp: 4])
                #expect(try admin.committedOffsets(group: "nobody", partitions: [tp]).isEmpty)

                // The next member continues where the first stopped and sees the end of the partition.
                let second = try StreamConsumer(config: config, groupId: "cli-group", logger: LogCapture().logger())
                defer { second.close() }
                try second.subscribe(["grouped"])
                let (rest, ends) = try await Self.readToEnd(second, seconds: 20)
                #expect(rest.map(\.offset) == Array(4..<10))
                #expect(ends[tp] == 10)
            }
        }

        @Test(.timeLimit(.minutes(1))) func unknownTopicIsAnErrorEvent() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let consumer = try StreamConsumer(config: config, groupId: "lost", logger: LogCapture().logger())
                defer { consumer.close() }
                try consumer.subscribe(["missing"])
                var error: KafkaClientError?
                _ = try await eventually(within: 15) {
                    for case .error(let e) in try consumer.poll(timeoutMs: 100) { error = e }
                    return error != nil
                }
                let reported = try #require(error)
                #expect(reported.message.contains("missing"), "\(reported)")
            }
        }
    }
}
