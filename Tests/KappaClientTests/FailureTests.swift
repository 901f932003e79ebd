import Dispatch
import KappaClient
import Synchronization
import Testing

extension KappaClientTests {
    /// What the dashboard sees when the cluster is away or a client is used after close: errors in
    /// bounded time, never a hang.
    @Suite struct Failures {
        static func deadConfig() async throws -> ClientConfig {
            ClientConfig(bootstrapServers: "127.0.0.1:\(try await TestBroker.freePort())")
        }

        static func elapsedMs(since start: DispatchTime) -> UInt64 {
            (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
        }

        @Test(.timeLimit(.minutes(1))) func deadClusterFailsInBoundedTime() async throws {
            var config = try await Self.deadConfig()
            config.requestTimeoutMs = 1_000
            config.properties["message.timeout.ms"] = "1000"
            let logs = LogCapture()

            let admin = try KafkaAdmin(config: config, logger: logs.logger())
            var start = DispatchTime.now()
            #expect(throws: KafkaClientError.self) { try admin.listTopics(timeoutMs: 500) }
            let create = try #require(throws: KafkaClientError.self) {
                try admin.createTopic("t", partitions: 1, replicationFactor: 1, configs: [:])
            }
            #expect(!create.description.contains("\n"))
            #expect(Self.elapsedMs(since: start) < 8_000)
            admin.close()

            let producer = try ProducerClient(config: config, logger: logs.logger())
            let deliveries = Deliveries()
            producer.send(topic: "t", key: nil, value: [1], completion: deliveries.completion("lost"))
            #expect(await eventually { deliveries.all.count == 1 })
            let failure = try #require(deliveries.all["lost"])
            #expect(throws: KafkaClientError.self) { try failure.get() }

            let received = Received()
            let consumer = try GroupConsumer(
                config: config, groupId: "nobody", logger: logs.logger(), onRecords: received.onRecords,
                onError: received.onError)
            try consumer.subscribe(["t"])
            #expect(await eventually { !received.allErrors.isEmpty })
            start = DispatchTime.now()
            consumer.close()
            producer.close()
            #expect(Self.elapsedMs(since: start) < 16_000)
        }

        @Test(.timeLimit(.minutes(1))) func callsAfterCloseFail() async throws {
            let config = try await Self.deadConfig()
            let logs = LogCapture()
            let admin = try KafkaAdmin(config: config, logger: logs.logger())
            admin.close()
            admin.close()
            let closed = try #require(throws: KafkaClientError.self) { try admin.watermarks(TopicPartition(topic: "t", partition: 0)) }
            #expect(closed.code == KafkaClientError.closed)

            let producer = try ProducerClient(config: config, logger: logs.logger())
            producer.close()
            let deliveries = Deliveries()
            producer.send(topic: "t", key: nil, value: nil, completion: deliveries.completion("late"))
            let late = try #require(deliveries.all["late"])
            #expect(throws: KafkaClientError.self) { try late.get() }
            #expect(!producer.flush(timeoutMs: 10))

            let reader = try RecordReader(config: config, logger: logs.logger())
            reader.close()
            #expect(throws: KafkaClientError.self) { try reader.read(TopicPartition(topic: "t", partition: 0), from: 0, maxRecords: 1) }
        }

        /// A callback may close its own consumer (the dashboard quitting from a key handler, say)
        /// without deadlocking the poll thread that called it.
        @Test(.timeLimit(.minutes(1))) func closeFromInsideTheCallback() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let logs = LogCapture()
                let producer = try ProducerClient(config: config, logger: logs.logger())
                let deliveries = Deliveries()
                producer.send(topic: "closing", key: nil, value: [1], completion: deliveries.completion("one"))
                _ = try await deliveries.wait(for: 1)
                producer.close()

                let holder = Mutex<GroupConsumer?>(nil)
                let closedInCallback = Mutex(false)
                let consumer = try GroupConsumer(
                    config: config, groupId: "closer", logger: logs.logger(),
                    onRecords: { _ in
                        holder.withLock { $0 }?.close()
                        closedInCallback.withLock { $0 = true }
                    }, onError: { _ in })
                holder.withLock { $0 = consumer }
                try consumer.subscribe(["closing"])
                #expect(await eventually(within: 20) { closedInCallback.withLock { $0 } })
                consumer.close()  // a second close returns at once
                #expect(throws: KafkaClientError.self) { try consumer.subscribe(["closing"]) }
            }
        }
    }
}
