import KappaClient
import Testing

/// Every KappaClient test, serialized: each starts its own broker and librdkafka threads (two cores are
/// shared), and one of them captures the process's stdout/stderr, which must not see another test's output.
@Suite(.serialized) struct KappaClientTests {
    @Test func configDefaults() {
        let config = ClientConfig(bootstrapServers: "127.0.0.1:9092")
        #expect(config.clientId == "kappa-dashboard")
        #expect(config.properties.isEmpty)
    }

    @Test func errorDescriptionIsOneLine() {
        let error = KafkaClientError(code: KafkaClientError.topicAlreadyExists, message: "topic 'x' already exists")
        #expect(error.description == "topic 'x' already exists (TOPIC_ALREADY_EXISTS)")
        #expect(KafkaClientError(code: KafkaClientError.timedOut, message: "m").name == "_TIMED_OUT")
    }

    @Test func topicPartitionOrder() {
        let sorted = [
            TopicPartition(topic: "b", partition: 0), TopicPartition(topic: "a", partition: 2),
            TopicPartition(topic: "a", partition: 10),
        ].sorted()
        #expect(sorted.map(\.description) == ["a[2]", "a[10]", "b[0]"])
    }

    /// A bad property whose key looks secret is named in the error, its value is not.
    @Test func secretValuesStayOutOfErrors() throws {
        var config = ClientConfig(bootstrapServers: "127.0.0.1:1")
        config.properties["no.such.secret"] = "hunter2"
        let logs = LogCapture()
        let error = try #require(throws: KafkaClientError.self) { try KafkaAdmin(config: config, logger: logs.logger()) }
        #expect(error.description.contains("no.such.secret"))
        #expect(!error.description.contains("hunter2"))
        #expect(!logs.entries.contains { $0.message.contains("hunter2") })
    }
}
