import KappaClient
import Testing

extension KappaClientTests {
    /// `topicConfigs(_:timeoutMs:)` answers like `topicConfigs(_:)` and gives up within its own bound.
    @Suite struct BoundedConfigs {
        @Test(.timeLimit(.minutes(1))) func sameAnswerAndOwnBound() async throws {
            try await withBroker { broker in
                let admin = try KafkaAdmin(
                    config: ClientConfig(bootstrapServers: broker.bootstrap), logger: LogCapture().logger())
                defer { admin.close() }
                try admin.createTopic(
                    "configured", partitions: 1, replicationFactor: 1, configs: ["retention.ms": "60000"])
                let bounded = try admin.topicConfigs("configured", timeoutMs: 3_000)
                let plain = try admin.topicConfigs("configured")
                #expect(bounded.map(\.name) == plain.map(\.name))
                #expect(bounded.first { $0.name == "retention.ms" }?.value == "60000")
                #expect(bounded.first { $0.name == "retention.ms" }?.isDefault == false)
                #expect(throws: KafkaClientError.self) { try admin.topicConfigs("absent", timeoutMs: 3_000) }
            }
            // Nobody listens: the call fails within about its bound, not the 10 s request timeout.
            var config = ClientConfig(bootstrapServers: "127.0.0.1:1")
            config.requestTimeoutMs = 10_000
            let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
            defer { admin.close() }
            let clock = ContinuousClock()
            let started = clock.now
            #expect(throws: KafkaClientError.self) { try admin.topicConfigs("t", timeoutMs: 500) }
            #expect(clock.now - started < .seconds(6))
        }
    }
}
