import KappaClient
import Testing

extension KappaClientTests {
    @Suite struct TopicAdmin {
        @Test(.timeLimit(.minutes(1))) func createListDescribeGrowDelete() async throws {
            try await withBroker { broker in
                let admin = try KafkaAdmin(config: ClientConfig(bootstrapServers: broker.bootstrap), logger: LogCapture().logger())
                defer { admin.close() }

                try admin.createTopic("orders", partitions: 3, replicationFactor: 1, configs: ["retention.ms": "3600000"])
                let orders = try #require(try admin.listTopics().first { $0.name == "orders" })
                #expect(orders.partitions.map(\.id) == [0, 1, 2])
                #expect(orders.partitions.allSatisfy { $0.leader == 1 && $0.replicas == [1] && $0.isrs == [1] })

                let configs = try admin.topicConfigs("orders")
                let retention = try #require(configs.first { $0.name == "retention.ms" })
                #expect(retention.value == "3600000")
                #expect(!retention.isDefault)
                #expect(configs.first { $0.name == "cleanup.policy" }?.isDefault == true)
                #expect(configs.map(\.name) == configs.map(\.name).sorted())

                let exists = try #require(throws: KafkaClientError.self) {
                    try admin.createTopic("orders", partitions: 1, replicationFactor: 1, configs: [:])
                }
                #expect(exists.description == "topic 'orders' already exists (TOPIC_ALREADY_EXISTS)")
                #expect(exists.code == KafkaClientError.topicAlreadyExists)

                try admin.createPartitions("orders", totalCount: 5)
                #expect(try admin.listTopics().first { $0.name == "orders" }?.partitions.count == 5)

                try admin.deleteTopic("orders")
                #expect(try await eventually { try !admin.listTopics().contains { $0.name == "orders" } })
                let missing = try #require(throws: KafkaClientError.self) { try admin.deleteTopic("orders") }
                #expect(missing.description == "topic 'orders' does not exist (UNKNOWN_TOPIC_OR_PART)")
                let noConfigs = try #require(throws: KafkaClientError.self) { try admin.topicConfigs("orders") }
                #expect(noConfigs.code == KafkaClientError.unknownTopicOrPartition)
            }
        }

        @Test(.timeLimit(.minutes(1))) func listingIsSortedAndHidesInternalTopics() async throws {
            try await withBroker { broker in
                let admin = try KafkaAdmin(config: ClientConfig(bootstrapServers: broker.bootstrap), logger: LogCapture().logger())
                defer { admin.close() }
                for name in ["zeta", "alpha", "__internal"] {
                    try admin.createTopic(name, partitions: 1, replicationFactor: 1, configs: [:])
                }
                #expect(try admin.listTopics().map(\.name) == ["alpha", "zeta"])
            }
        }

        /// The async entry point runs the call on the admin's own thread and gives its result back.
        @Test(.timeLimit(.minutes(1))) func performFromAsyncCode() async throws {
            try await withBroker { broker in
                let admin = try KafkaAdmin(config: ClientConfig(bootstrapServers: broker.bootstrap), logger: LogCapture().logger())
                try await admin.perform { try $0.createTopic("async", partitions: 2, replicationFactor: 1, configs: [:]) }
                let names = try await admin.perform { try $0.listTopics().map(\.name) }
                #expect(names == ["async"])
                admin.close()
                await #expect(throws: KafkaClientError.self) { try await admin.perform { try $0.listTopics() } }
                #expect(throws: KafkaClientError.self) { try admin.listTopics() }
            }
        }
    }
}
