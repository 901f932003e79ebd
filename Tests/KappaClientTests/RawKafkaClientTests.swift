import KappaClient
import Testing

extension KappaClientTests {
    /// The raw protocol client against the real in-process broker: LSO, and the KIP-664 transaction APIs
    /// with a librdkafka transactional producer holding a transaction open.
    @Suite struct RawClient {
        @Test(.timeLimit(.minutes(1))) func lastStableOffsetIsTheEndWithoutTransactions() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
                defer { admin.close() }
                try admin.createTopic("plain", partitions: 2, replicationFactor: 1, configs: [:])
                let producer = try ProducerClient(config: config, logger: LogCapture().logger())
                defer { producer.close() }
                let deliveries = Deliveries()
                for i in 0..<3 {
                    producer.send(topic: "plain", partition: 0, key: nil, value: Array("v\(i)".utf8), completion: deliveries.completion("\(i)"))
                }
                _ = try await deliveries.wait(for: 3)
                let raw = try RawKafkaClient(config: config)
                defer { raw.close() }
                #expect(try raw.lastStableOffsets(topic: "plain", partitions: [0, 1]) == [0: 3, 1: 0])
                #expect(try raw.describeProducers(topic: "plain", partition: 1).isEmpty)
                let missing = try #require(throws: KafkaClientError.self) {
                    try raw.describeProducers(topic: "nope", partition: 0)
                }
                #expect(missing.name == "UNKNOWN_TOPIC_OR_PART")
            }
        }

        @Test(.timeLimit(.minutes(1))) func openTransactionIsListedDescribedAndAbortedByMarker() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
                defer { admin.close() }
                try admin.createTopic("txn", partitions: 1, replicationFactor: 1, configs: [:])
                var txnConfig = config
                txnConfig.properties["transactional.id"] = "raw-test-tx"
                let producer = try ProducerClient(config: txnConfig, logger: LogCapture().logger())
                defer { producer.close() }
                try producer.initTransactions(timeoutMs: 10_000)
                try producer.beginTransaction()
                let deliveries = Deliveries()
                producer.send(topic: "txn", partition: 0, key: nil, value: Array("a".utf8), completion: deliveries.completion("a"))
                producer.send(topic: "txn", partition: 0, key: nil, value: Array("b".utf8), completion: deliveries.completion("b"))
                _ = try await deliveries.wait(for: 2)

                let raw = try RawKafkaClient(config: config)
                defer { raw.close() }
                let listed = try raw.listTransactions()
                let mine = try #require(listed.first { $0.transactionalId == "raw-test-tx" })
                #expect(mine.state == "Ongoing")
                #expect(mine.coordinator == 1)
                let described = try raw.describeTransaction("raw-test-tx")
                #expect(described.state == "Ongoing")
                #expect(described.producerId == mine.producerId)
                #expect(described.partitions == [TopicPartition(topic: "txn", partition: 0)])
                #expect(described.startTimeMs > 0)

                let producers = try raw.describeProducers(topic: "txn", partition: 0)
                let state = try #require(producers.first { $0.producerId == mine.producerId })
                #expect(state.currentTxnStartOffset == 0)
                #expect(try raw.lastStableOffsets(topic: "txn", partitions: [0]) == [0: 0])
                #expect(try raw.highWatermarks(topic: "txn", partitions: [0]) == [0: 2])
                // librdkafka asks at its default isolation level, read_committed: its "high" is the LSO.
                #expect(try admin.watermarks(TopicPartition(topic: "txn", partition: 0)).high == 0)

                // What kafka-transactions.sh abort does for a hanging transaction: an ABORT marker at the leader.
                try raw.abortTransaction(
                    topic: "txn", partition: 0, producerId: state.producerId, producerEpoch: Int16(state.producerEpoch),
                    coordinatorEpoch: max(0, state.coordinatorEpoch))
                #expect(try raw.lastStableOffsets(topic: "txn", partitions: [0]) == [0: 3])
                #expect(try raw.highWatermarks(topic: "txn", partitions: [0]) == [0: 3])
                #expect(try raw.describeProducers(topic: "txn", partition: 0).first?.currentTxnStartOffset == -1)
            }
        }

        @Test func refusesSaslWithoutASupportedMechanism() throws {
            var config = ClientConfig(bootstrapServers: "127.0.0.1:1")
            config.properties["security.protocol"] = "SASL_SSL"
            let error = try #require(throws: KafkaClientError.self) { try RawKafkaClient(config: config) }
            #expect(error.name == "_NOT_IMPLEMENTED")
            #expect(error.message.contains("sasl.mechanism=GSSAPI is not supported"))
        }

        @Test func unreachableBrokerFailsInOneLine() throws {
            let raw = try RawKafkaClient(config: ClientConfig(bootstrapServers: "127.0.0.1:1"), timeoutMs: 2000)
            let error = try #require(throws: KafkaClientError.self) { try raw.listTransactions() }
            #expect(error.name == "_TRANSPORT")
            #expect(error.description.contains("127.0.0.1:1"))
        }
    }
}
