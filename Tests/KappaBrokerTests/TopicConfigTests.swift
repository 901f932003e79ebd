import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaBroker

/// Topic configs are enforced or refused, never stored and ignored: CreateTopics, AlterConfigs,
/// IncrementalAlterConfigs and DescribeConfigs against a real broker on a data directory.
@Suite struct TopicConfigTests {
    let root = TestDirectory()
    let loop = NIOAsyncTestingEventLoop()

    private func broker(_ configure: (inout BrokerConfig) -> Void = { _ in }) throws -> Broker {
        var config = BrokerConfig()
        config.dataDirectory = self.root.path
        configure(&config)
        return try Broker(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    private func body(_ reply: BrokerReply) throws -> ByteBuffer {
        guard case .response(let body) = reply else { throw TestError("no response") }
        return body
    }

    private func create(_ broker: Broker, _ name: String, _ configs: [String: String] = [:]) throws
        -> CreateTopicsResponse.CreatableTopicResult
    {
        let request = CreateTopicsRequest(topics: [
            .init(name: name, numPartitions: 1, replicationFactor: 1,
                  configs: configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) })
        ])
        var body = try self.body(broker.createTopics(request, version: 5))
        return try #require(try CreateTopicsResponse(from: &body, version: 5).topics.first)
    }

    private func incremental(
        _ broker: Broker, type: Int8 = 2, _ name: String, _ changes: [(String, Int8, String?)], validateOnly: Bool = false
    ) throws -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse {
        let request = IncrementalAlterConfigsRequest(resources: [
            .init(resourceType: type, resourceName: name,
                  configs: changes.map { .init(name: $0.0, configOperation: $0.1, value: $0.2) })
        ], validateOnly: validateOnly)
        var body = try self.body(broker.incrementalAlterConfigs(request, version: 1))
        return try #require(try IncrementalAlterConfigsResponse(from: &body, version: 1).responses.first)
    }

    private func describe(_ broker: Broker, type: Int8 = 2, _ name: String, version: Int16 = 4) throws
        -> [String: DescribeConfigsResponse.DescribeConfigsResult.DescribeConfigsResourceResult]
    {
        let request = DescribeConfigsRequest(
            resources: [.init(resourceType: type, resourceName: name, configurationKeys: nil)],
            includeSynonyms: true, includeDocumentation: true)
        var body = try self.body(broker.describeConfigs(request, version: version))
        let result = try #require(try DescribeConfigsResponse(from: &body, version: version).results.first)
        #expect(result.errorCode == 0, "\(result.errorMessage ?? "")")
        return Dictionary(uniqueKeysWithValues: result.configs.map { ($0.name, $0) })
    }

    private func produce(_ broker: Broker, _ topic: String, count: Int, valueBytes: Int = 100, timestamp: Int64)
        async throws -> ProduceResponse.TopicProduceResponse.PartitionProduceResponse
    {
        var builder = RecordBatchBuilder()
        for _ in 0..<count { builder.append(key: nil, value: Array(repeating: 0x61, count: valueBytes), timestamp: timestamp) }
        let request = ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [
            .init(name: topic, partitionData: [.init(index: 0, records: builder.build())])
        ])
        var body = try self.body(try await broker.produce(request, version: 8, eventLoop: self.loop).get())
        return try #require(try ProduceResponse(from: &body, version: 8).responses.first?.partitionResponses.first)
    }

    @Test func unknownAndUnsupportedConfigsAreRefusedByName() throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        let unknown = try self.create(broker, "a", ["retention.msec": "1"])
        #expect(unknown.errorCode == ErrorCode.invalidConfig.rawValue)
        #expect(unknown.errorMessage?.contains("retention.msec") == true)

        let unsupported = try self.create(broker, "b", ["compression.type": "gzip", "min.insync.replicas": "2"])
        #expect(unsupported.errorCode == ErrorCode.invalidConfig.rawValue)
        #expect(unsupported.errorMessage?.contains("compression.type=gzip") == true)
        #expect(unsupported.errorMessage?.contains("min.insync.replicas=2") == true)

        let badValue = try self.create(broker, "c", ["cleanup.policy": "forever"])
        #expect(badValue.errorCode == ErrorCode.invalidConfig.rawValue)
        #expect(broker.topics.topic("a") == nil && broker.topics.topic("b") == nil && broker.topics.topic("c") == nil)

        // What tools send with the values Kappa's behaviour matches is accepted.
        let harmless = try self.create(broker, "d", [
            "compression.type": "producer", "min.insync.replicas": "1", "unclean.leader.election.enable": "false",
            "message.format.version": "2.8", "cleanup.policy": "compact, delete",
        ])
        #expect(harmless.errorCode == 0, "\(harmless.errorMessage ?? "")")
    }

    @Test func retentionBytesSetOnALiveTopicDeletesOldSegments() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(try self.create(broker, "t", ["segment.bytes": "1000"]).errorCode == 0)
        for _ in 0..<20 { _ = try await self.produce(broker, "t", count: 3, timestamp: Broker.nowMs()) }
        let partition = try #require(broker.topics.partition("t", 0))
        try partition.maintain(now: Broker.nowMs())
        #expect(partition.offsets.logStart == 0, "no retention.bytes yet: nothing deleted")

        let result = try self.incremental(broker, "t", [("retention.bytes", 0, "1500")])
        #expect(result.errorCode == 0, "\(result.errorMessage ?? "")")
        try partition.maintain(now: Broker.nowMs())
        #expect(partition.offsets.logStart > 30)
        #expect(try self.describe(broker, "t")["retention.bytes"]?.value == "1500")
    }

    @Test func retentionMsSetOnALiveTopicDeletesOldSegmentsAndDeleteRestoresTheDefault() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(try self.create(broker, "t", ["segment.bytes": "1000"]).errorCode == 0)
        let hourAgo = Broker.nowMs() - 3_600_000
        for _ in 0..<10 { _ = try await self.produce(broker, "t", count: 3, timestamp: hourAgo) }
        let partition = try #require(broker.topics.partition("t", 0))
        try partition.maintain(now: Broker.nowMs())
        #expect(partition.offsets.logStart == 0)

        #expect(try self.incremental(broker, "t", [("retention.ms", 0, "60000")]).errorCode == 0)
        let described = try self.describe(broker, "t")["retention.ms"]
        #expect(described?.configSource == 1)
        #expect(described?.synonyms.first?.name == "retention.ms")
        #expect(described?.synonyms.last?.name == "log.retention.ms")
        try partition.maintain(now: Broker.nowMs())
        #expect(partition.offsets.logStart > 20)

        #expect(try self.incremental(broker, "t", [("retention.ms", 1, nil)]).errorCode == 0)
        let restored = try self.describe(broker, "t")["retention.ms"]
        #expect(restored?.value == "604800000")
        #expect(restored?.configSource == 5)
        #expect(broker.topics.topic("t")?.configs["retention.ms"] == nil)
    }

    @Test func retentionDeletesOnlyWhenTheCleanupPolicyIncludesDelete() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(try self.create(broker, "t", ["segment.bytes": "1000", "retention.bytes": "1500",
                                              "cleanup.policy": "compact"]).errorCode == 0)
        for _ in 0..<20 { _ = try await self.produce(broker, "t", count: 3, timestamp: Broker.nowMs()) }
        let partition = try #require(broker.topics.partition("t", 0))
        try partition.maintain(now: Broker.nowMs())
        #expect(partition.offsets.logStart == 0, "compact only: retention.bytes does not delete")
        #expect(try self.incremental(broker, "t", [("cleanup.policy", 2, "delete")]).errorCode == 0)
        try partition.maintain(now: Broker.nowMs())
        #expect(partition.offsets.logStart > 30)
    }

    @Test func incrementalOperationsValidateTheWholeResultAndKeepOtherOverrides() throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(try self.create(broker, "t", ["retention.ms": "60000"]).errorCode == 0)

        #expect(try self.incremental(broker, "t", [("cleanup.policy", 2, "compact")]).errorCode == 0)
        #expect(broker.topics.topic("t")?.configs == ["retention.ms": "60000", "cleanup.policy": "delete,compact"])
        #expect(try self.incremental(broker, "t", [("cleanup.policy", 3, "delete")]).errorCode == 0)
        #expect(broker.topics.topic("t")?.configs["cleanup.policy"] == "compact")
        #expect(broker.topics.logConfig(for: broker.topics.topic("t")?.configs ?? [:]).cleanupPolicy == .compact)

        let notAList = try self.incremental(broker, "t", [("retention.ms", 2, "5")])
        #expect(notAList.errorCode == ErrorCode.invalidConfig.rawValue)
        #expect(notAList.errorMessage?.contains("retention.ms") == true)

        // One bad change refuses the whole resource: the good one is not applied either.
        let mixed = try self.incremental(broker, "t", [("segment.bytes", 0, "2000"), ("flush.messages", 0, "5")])
        #expect(mixed.errorCode == ErrorCode.invalidConfig.rawValue)
        #expect(mixed.errorMessage?.contains("flush.messages") == true)
        #expect(broker.topics.topic("t")?.configs["segment.bytes"] == nil)

        let validateOnly = try self.incremental(broker, "t", [("segment.bytes", 0, "2000")], validateOnly: true)
        #expect(validateOnly.errorCode == 0)
        #expect(broker.topics.topic("t")?.configs["segment.bytes"] == nil)

        #expect(try self.incremental(broker, "missing", [("retention.ms", 0, "1")]).errorCode
            == ErrorCode.unknownTopicOrPartition.rawValue)
    }

    @Test func alterConfigsReplacesTheWholeSetAndSurvivesARestart() throws {
        do {
            let broker = try self.broker()
            defer { broker.shutdown() }
            #expect(try self.create(broker, "t", ["retention.ms": "60000", "segment.bytes": "100000"]).errorCode == 0)
            let request = AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "t", configs: [.init(name: "max.message.bytes", value: "5000")])
            ])
            var body = try self.body(broker.alterConfigs(request, version: 1))
            let result = try #require(try AlterConfigsResponse(from: &body, version: 1).responses.first)
            #expect(result.errorCode == 0, "\(result.errorMessage ?? "")")
            #expect(broker.topics.topic("t")?.configs == ["max.message.bytes": "5000"])

            let refused = AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "t", configs: [.init(name: "no.such.config", value: "1")])
            ])
            var refusedBody = try self.body(broker.alterConfigs(refused, version: 0))
            let answer = try #require(try AlterConfigsResponse(from: &refusedBody, version: 0).responses.first)
            #expect(answer.errorCode == ErrorCode.invalidConfig.rawValue)
            #expect(answer.errorMessage?.contains("no.such.config") == true)
        }
        let restarted = try self.broker()
        defer { restarted.shutdown() }
        #expect(restarted.topics.topic("t")?.configs == ["max.message.bytes": "5000"])
    }

    @Test func configsAnOlderKappaAcceptedAndIgnoredAreDroppedAtStartUp() throws {
        do {
            let broker = try self.broker()
            defer { broker.shutdown() }
            #expect(try self.create(broker, "t", ["retention.ms": "60000"]).errorCode == 0)
        }
        let path = "\(self.root.path)/topics.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"retention.ms\""))
        try text.replacingOccurrences(of: "\"retention.ms\"", with: "\"compression.type\" : \"gzip\", \"retention.ms\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let restarted = try self.broker()
        defer { restarted.shutdown() }
        #expect(restarted.topics.topic("t")?.configs == ["retention.ms": "60000"])
        #expect(try self.describe(restarted, "t")["compression.type"]?.configSource == 5)
    }

    @Test func describeReportsSourcesReadOnlyFlagsTypesAndDocumentation() throws {
        let broker = try self.broker { $0.log.segmentBytes = 1 << 20 }
        defer { broker.shutdown() }
        #expect(try self.create(broker, "t", ["retention.ms": "60000"]).errorCode == 0)
        let configs = try self.describe(broker, "t")
        #expect(Set(configs.keys) == Set(TopicConfig.entries.map(\.name)))
        let retention = try #require(configs["retention.ms"])
        #expect((retention.value, retention.configSource, retention.readOnly, retention.configType) == ("60000", 1, false, 5))
        #expect(retention.documentation?.isEmpty == false)
        let segment = try #require(configs["segment.bytes"])
        #expect((segment.value, segment.configSource) == ("1048576", 4), "set by the broker's flags: STATIC_BROKER_CONFIG")
        #expect(segment.synonyms.map(\.source) == [4, 5])
        let compression = try #require(configs["compression.type"])
        #expect((compression.value, compression.readOnly, compression.configSource) == ("producer", true, 5))
        #expect(compression.documentation?.contains("Fixed in Kappa") == true)

        let v0 = try self.describe(broker, "t", version: 0)
        #expect(v0["retention.ms"]?.isDefault == false)
        #expect(v0["max.message.bytes"]?.isDefault == true)
    }

    @Test func brokerDefaultsReachTopicsWithoutAnOverrideAndSurviveARestart() async throws {
        do {
            let broker = try self.broker()
            defer { broker.shutdown() }
            #expect(try self.create(broker, "plain", ["segment.bytes": "1000"]).errorCode == 0)
            #expect(try self.create(broker, "own", ["segment.bytes": "1000", "retention.bytes": "-1"]).errorCode == 0)
            for topic in ["plain", "own"] {
                for _ in 0..<20 { _ = try await self.produce(broker, topic, count: 3, timestamp: Broker.nowMs()) }
            }
            let set = try self.incremental(broker, type: 4, "", [("log.retention.bytes", 0, "1500")])
            #expect(set.errorCode == 0, "\(set.errorMessage ?? "")")
            let plain = try #require(broker.topics.partition("plain", 0))
            let own = try #require(broker.topics.partition("own", 0))
            try plain.maintain(now: Broker.nowMs())
            try own.maintain(now: Broker.nowMs())
            #expect(plain.offsets.logStart > 30)
            #expect(own.offsets.logStart == 0, "the topic's own retention.bytes=-1 wins over the broker default")
            let described = try #require(try self.describe(broker, "plain")["retention.bytes"])
            #expect((described.value, described.configSource) == ("1500", 3))
            #expect(try self.describe(broker, type: 4, "")["log.retention.bytes"]?.value == "1500")
            #expect(try self.describe(broker, type: 4, "1")["log.retention.bytes"]?.configSource == 3)

            let hours = try self.incremental(broker, type: 4, "1", [("log.retention.hours", 0, "2")])
            #expect(hours.errorCode == 0)
            #expect(try self.describe(broker, "plain")["retention.ms"]?.value == "7200000")

            // APPEND to a broker-level list starts from the value in force.
            let append = try self.incremental(broker, type: 4, "", [("log.cleanup.policy", 2, "compact")])
            #expect(append.errorCode == 0, "\(append.errorMessage ?? "")")
            #expect(try self.describe(broker, "plain")["cleanup.policy"]?.value == "compact,delete")
            #expect(try self.incremental(broker, type: 4, "", [("log.cleanup.policy", 1, nil)]).errorCode == 0)

            let notDynamic = try self.incremental(broker, type: 4, "", [("num.partitions", 0, "3")])
            #expect(notDynamic.errorCode == ErrorCode.invalidConfig.rawValue)
            #expect(notDynamic.errorMessage?.contains("num.partitions") == true)
            #expect(try self.incremental(broker, type: 4, "7", [("log.retention.ms", 0, "1")]).errorCode
                == ErrorCode.invalidRequest.rawValue)
        }
        let restarted = try self.broker()
        defer { restarted.shutdown() }
        #expect(try self.describe(restarted, "plain")["retention.bytes"]?.value == "1500")
        #expect(try self.describe(restarted, "plain")["retention.ms"]?.configSource == 2)
    }

    @Test func logAppendTimeStampsBatchesWithTheBrokerClock() async throws {
        let broker = try self.broker()
        defer { broker.shutdown() }
        #expect(try self.create(broker, "t", ["message.timestamp.type": "LogAppendTime"]).errorCode == 0)
        let before = Broker.nowMs()
        let answer = try await self.produce(broker, "t", count: 3, timestamp: 1)
        let after = Broker.nowMs()
        #expect(answer.errorCode == 0)
        #expect(answer.logAppendTimeMs >= before && answer.logAppendTimeMs <= after)

        let partition = try #require(broker.topics.partition("t", 0))
        let read = try partition.fetch(from: 0, maxBytes: 1 << 20, minimumFileBytes: nil, readCommitted: false)
        guard case .bytes(let records) = read.records else { throw TestError("expected bytes") }
        let header = try RecordBatchHeader(parsing: records, at: records.readerIndex)
        #expect(header.timestampType == .logAppendTime)
        #expect(header.maxTimestamp == answer.logAppendTimeMs)
        #expect(header.crcMatches(in: records, at: records.readerIndex))

        // Back to CreateTime: the producer's timestamps are kept again.
        #expect(try self.incremental(broker, "t", [("message.timestamp.type", 0, "CreateTime")]).errorCode == 0)
        let created = try await self.produce(broker, "t", count: 1, timestamp: 42)
        #expect(created.logAppendTimeMs == -1)
        let next = try partition.fetch(from: 3, maxBytes: 1 << 20, minimumFileBytes: nil, readCommitted: false)
        guard case .bytes(let more) = next.records else { throw TestError("expected bytes") }
        let second = try RecordBatchHeader(parsing: more, at: more.readerIndex)
        #expect((second.timestampType, second.maxTimestamp) == (.createTime, 42))
    }

    @Test func stampingRefusesACorruptBatchInsteadOfHidingIt() throws {
        var builder = RecordBatchBuilder()
        builder.append(key: nil, value: Array("v".utf8), timestamp: 5)
        var records = builder.build()
        let last = records.writerIndex - 1
        records.setInteger((records.getInteger(at: last, as: UInt8.self) ?? 0) ^ 0xFF, at: last)
        #expect(throws: LogError.self) { try PartitionLog.stampingLogAppendTime(records, now: 10) }
    }
}
