import KappaClient
import Testing

extension KappaClientTests {
    /// The dashboard owns the terminal: librdkafka must only ever speak through the Logger, and
    /// secrets must not appear even in its most verbose debug output.
    @Suite struct QuietOutput {
        @Test(.timeLimit(.minutes(1))) func nothingReachesStdoutOrStderr() async throws {
            let logs = LogCapture()
            let output = try await capturingStandardOutput {
                try await withBroker { broker in
                    var config = ClientConfig(bootstrapServers: broker.bootstrap)
                    config.properties["debug"] = "generic,broker,topic,msg,cgrp,conf"
                    config.properties["sasl.password"] = "hunter2"
                    let admin = try KafkaAdmin(config: config, logger: logs.logger())
                    try admin.createTopic("quiet", partitions: 1, replicationFactor: 1, configs: [:])

                    let producer = try ProducerClient(config: config, logger: logs.logger())
                    let deliveries = Deliveries()
                    producer.send(topic: "quiet", key: [1], value: [2], completion: deliveries.completion("one"))
                    _ = try await deliveries.wait(for: 1)
                    producer.close()

                    let received = Received()
                    let consumer = try GroupConsumer(
                        config: config, groupId: "quiet-group", logger: logs.logger(), onRecords: received.onRecords,
                        onError: received.onError)
                    try consumer.subscribe(["quiet"])
                    #expect(await eventually(within: 20) { received.all.count == 1 })
                    consumer.close()

                    let reader = try RecordReader(config: config, logger: logs.logger())
                    #expect(try reader.read(TopicPartition(topic: "quiet", partition: 0), from: 0, maxRecords: 5).count == 1)
                    reader.close()

                    // A cluster that is not there: connection errors are what librdkafka prints by default.
                    var deadConfig = ClientConfig(bootstrapServers: "127.0.0.1:\(try await TestBroker.freePort())")
                    deadConfig.properties["message.timeout.ms"] = "500"
                    let orphan = try ProducerClient(config: deadConfig, logger: logs.logger())
                    let failures = Deliveries()
                    orphan.send(topic: "quiet", key: nil, value: [0], completion: failures.completion("lost"))
                    #expect(await eventually { failures.all.count == 1 })
                    orphan.close()
                    admin.close()
                }
            }
            #expect(output.isEmpty, "printed: \(output.prefix(2000))")

            let entries = logs.entries
            let fromLibrdkafka = entries.filter { $0.metadata["rdkafka.facility"] != nil }
            #expect(fromLibrdkafka.count > 20)
            #expect(fromLibrdkafka.contains { $0.level == .debug })
            #expect(fromLibrdkafka.contains { $0.level >= .warning }, "no warning or error from the dead cluster")
            #expect(entries.contains { $0.message.contains("sasl.password=[redacted]") || $0.metadata.values.contains { $0.contains("sasl.password=[redacted]") } })
            let leaks = entries.filter { $0.message.contains("hunter2") || $0.metadata.values.contains { $0.contains("hunter2") } }
            #expect(leaks.isEmpty, "\(leaks.prefix(3))")
        }
    }
}
