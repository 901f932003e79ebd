import Dispatch
import KappaClient
import Testing

extension KappaClientTests {
    /// Paged reading and timestamp lookups over records with known timestamps.
    @Suite struct Paging {
        static let base: Int64 = 1_700_000_000_000

        /// 20 records in "pages" (one partition, timestamps base + i s) and 5 + 5 in the two partitions of
        /// "stamps" (base + i s and base + 10 s + i s).
        static func seed(_ config: ClientConfig) async throws {
            let producer = try ProducerClient(config: config, logger: LogCapture().logger())
            defer { producer.close() }
            let deliveries = Deliveries()
            for index in 0..<20 {
                producer.send(
                    topic: "pages", partition: 0, key: Array("k\(index)".utf8), value: Array("r\(index)".utf8),
                    timestamp: Self.base + Int64(index) * 1000, completion: deliveries.completion("pages-\(index)"))
            }
            for index in 0..<5 {
                producer.send(
                    topic: "stamps", partition: 0, key: nil, value: [UInt8(index)],
                    timestamp: Self.base + Int64(index) * 1000, completion: deliveries.completion("stamps0-\(index)"))
                producer.send(
                    topic: "stamps", partition: 1, key: nil, value: [UInt8(index)],
                    timestamp: Self.base + 10_000 + Int64(index) * 1000, completion: deliveries.completion("stamps1-\(index)"))
            }
            _ = try await deliveries.wait(for: 30)
        }

        @Test(.timeLimit(.minutes(1))) func pagesFromTheMiddleAndTheEnd() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
                defer { admin.close() }
                try admin.createTopic("pages", partitions: 1, replicationFactor: 1, configs: [:])
                try admin.createTopic("stamps", partitions: 2, replicationFactor: 1, configs: [:])
                try await Self.seed(config)
                let pages = TopicPartition(topic: "pages", partition: 0)
                #expect(try admin.watermarks(pages) == (low: 0, high: 20))

                let reader = try RecordReader(config: config, logger: LogCapture().logger())
                defer { reader.close() }
                let middle = try reader.read(pages, from: 5, maxRecords: 4)
                #expect(middle.map(\.offset) == [5, 6, 7, 8])
                #expect(middle.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["r5", "r6", "r7", "r8"])
                #expect(middle.map(\.timestamp) == (5...8).map { Self.base + Int64($0) * 1000 })
                #expect(middle.first?.key == Array("k5".utf8))

                // The last page stops at the high watermark instead of waiting out the timeout.
                let started = DispatchTime.now()
                let tail = try reader.read(pages, from: 18, maxRecords: 10, timeoutMs: 5000)
                let elapsedMs = (DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000
                #expect(tail.map(\.offset) == [18, 19])
                #expect(elapsedMs < 2_500, "took \(elapsedMs) ms")

                #expect(try reader.read(pages, from: 20, maxRecords: 5).isEmpty)
                #expect(try reader.read(pages, from: -2, maxRecords: 3).map(\.offset) == [0, 1, 2])
                #expect(try reader.read(pages, from: 0, maxRecords: 100).map(\.offset) == Array(0..<20))
                // Going back after reading ahead returns the same records again.
                #expect(try reader.read(pages, from: 5, maxRecords: 4) == middle)
                let other = try await reader.perform { try $0.read(TopicPartition(topic: "stamps", partition: 1), from: 3, maxRecords: 5) }
                #expect(other.map(\.offset) == [3, 4])

                // The reader's group id never reaches the broker.
                #expect(try !admin.listGroups().contains { $0.groupId == "kappa-record-reader" })

                let missing = try #require(throws: KafkaClientError.self) {
                    try reader.read(TopicPartition(topic: "pages", partition: 7), from: 0, maxRecords: 1, timeoutMs: 1000)
                }
                #expect(missing.description.contains("pages[7]"), "\(missing)")
            }
        }

        @Test(.timeLimit(.minutes(1))) func offsetsForTimes() async throws {
            try await withBroker { broker in
                let config = ClientConfig(bootstrapServers: broker.bootstrap)
                let admin = try KafkaAdmin(config: config, logger: LogCapture().logger())
                defer { admin.close() }
                try admin.createTopic("pages", partitions: 1, replicationFactor: 1, configs: [:])
                try admin.createTopic("stamps", partitions: 2, replicationFactor: 1, configs: [:])
                try await Self.seed(config)
                let pages = TopicPartition(topic: "pages", partition: 0)
                let stamps0 = TopicPartition(topic: "stamps", partition: 0)
                let stamps1 = TopicPartition(topic: "stamps", partition: 1)

                #expect(try admin.offsetsForTimes([pages: Self.base + 5_500]) == [pages: 6])
                #expect(try admin.offsetsForTimes([pages: Self.base]) == [pages: 0])
                #expect(try admin.offsetsForTimes([pages: 0]) == [pages: 0])
                #expect(try admin.offsetsForTimes([pages: Self.base + 100_000]) == [pages: -1])
                #expect(
                    try admin.offsetsForTimes([stamps0: Self.base + 2_500, stamps1: Self.base + 2_500])
                        == [stamps0: 3, stamps1: 0])
                #expect(try admin.offsetsForTimes([:]).isEmpty)
            }
        }
    }
}
