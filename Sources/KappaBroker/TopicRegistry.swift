import Foundation
import KappaLog
import KappaWire
import Logging
import Synchronization

/// The broker's topics and their partitions, and the small metadata file (`topics.json`) that lets
/// them survive a restart: names, ids, partition counts and per-topic config overrides. Partition
/// data itself lives in `<data-dir>/<topic>-<partition>/`, laid out as Kafka does.
final class TopicRegistry: Sendable {
    struct Topic: Sendable {
        var name: String
        var id: KafkaUUID
        var partitions: [Partition]
        var configs: [String: String]
    }

    private struct StoredTopic: Codable {
        var name: String
        var id: String
        var partitions: Int32
        var configs: [String: String]
    }

    private let topics = Mutex<[String: Topic]>([:])
    private let dataDirectory: String?
    /// The broker's log settings from its command line (the static layer of topic defaults).
    let staticLogConfig: LogConfig
    /// The broker-level dynamic defaults (AlterConfigs on the BROKER resource), over `staticLogConfig`.
    let brokerDefaults: BrokerDefaults
    private let logger: Logger

    init(dataDirectory: String?, logConfig: LogConfig, logger: Logger) throws {
        self.dataDirectory = dataDirectory
        self.staticLogConfig = logConfig
        self.brokerDefaults = try BrokerDefaults(dataDirectory: dataDirectory)
        self.logger = logger
        try self.load()
    }

    /// What a topic without overrides gets: the static settings with the dynamic defaults applied.
    var baseLogConfig: LogConfig {
        TopicConfig.apply(self.brokerDefaults.topicConfigs(), to: self.staticLogConfig)
    }

    var names: [String] { self.topics.withLock { Array($0.keys).sorted() } }

    func topic(_ name: String) -> Topic? { self.topics.withLock { $0[name] } }

    func all() -> [Topic] { self.topics.withLock { Array($0.values) }.sorted { $0.name < $1.name } }

    func partition(_ topic: String, _ index: Int32) -> Partition? {
        self.topics.withLock { topics in
            guard let partitions = topics[topic]?.partitions, index >= 0, Int(index) < partitions.count else { return nil }
            return partitions[Int(index)]
        }
    }

    func topic(withId id: KafkaUUID) -> Topic? {
        self.topics.withLock { $0.values.first { $0.id == id } }
    }

    enum CreateError: Error {
        case exists
        case invalid(ErrorCode, String)
    }

    /// Creates a topic; `validateOnly` checks without creating.
    @discardableResult
    func create(name: String, partitions: Int32, configs: [String: String], validateOnly: Bool = false) throws -> Topic {
        if let why = TopicName.validationError(name) { throw CreateError.invalid(.invalidTopic, why) }
        // The broker's own state lives there (Kafka answers TOPIC_ALREADY_EXISTS: they always exist).
        if TopicName.isInternal(name) { throw CreateError.exists }
        guard partitions > 0 else {
            throw CreateError.invalid(.invalidPartitions, "number of partitions must be larger than 0")
        }
        guard partitions <= 10_000 else {
            throw CreateError.invalid(.invalidPartitions, "at most 10000 partitions per topic")
        }
        let problems = TopicConfig.problems(in: configs, base: self.baseLogConfig)
        if !problems.isEmpty { throw CreateError.invalid(.invalidConfig, problems.joined(separator: "; ")) }
        return try self.topics.withLock { topics in
            if topics[name] != nil { throw CreateError.exists }
            let id = KafkaUUID.random()
            if validateOnly { return Topic(name: name, id: id, partitions: [], configs: configs) }
            var made: [Partition] = []
            for index in 0..<partitions {
                made.append(try self.openPartition(topic: name, index: index, configs: configs))
            }
            let topic = Topic(name: name, id: id, partitions: made, configs: configs)
            topics[name] = topic
            try self.save(topics)
            return topic
        }
    }

    func addPartitions(name: String, totalCount: Int32, validateOnly: Bool) throws {
        try self.topics.withLock { topics in
            guard var topic = topics[name] else { throw CreateError.invalid(.unknownTopicOrPartition, "topic '\(name)' does not exist") }
            let current = Int32(topic.partitions.count)
            guard totalCount > current else {
                throw CreateError.invalid(.invalidPartitions, "topic has \(current) partitions; the new count must be larger")
            }
            if validateOnly { return }
            for index in current..<totalCount {
                topic.partitions.append(try self.openPartition(topic: name, index: index, configs: topic.configs))
            }
            topics[name] = topic
            try self.save(topics)
        }
    }

    /// Replaces a topic's config overrides with what `update` makes of the current ones, after
    /// validating them, and reconfigures its open partitions: the next append, roll and retention
    /// run follow the new settings. Returns the overrides now in force.
    @discardableResult
    func alterConfigs(
        name: String, validateOnly: Bool, _ update: ([String: String]) throws -> [String: String]
    ) throws -> [String: String] {
        let base = self.baseLogConfig
        // Partitions are reconfigured under the registry's lock, so two alters of one topic cannot
        // leave its partitions with the settings of the one that was stored first (nothing holding
        // a partition's lock ever waits for the registry's).
        return try self.topics.withLock { topics -> [String: String] in
            guard var topic = topics[name] else {
                throw CreateError.invalid(.unknownTopicOrPartition, "topic '\(name)' does not exist")
            }
            let configs = try update(topic.configs)
            let problems = TopicConfig.problems(in: configs, base: base)
            if !problems.isEmpty { throw CreateError.invalid(.invalidConfig, problems.joined(separator: "; ")) }
            if validateOnly { return configs }
            topic.configs = configs
            var next = topics
            next[name] = topic
            try self.save(next)
            topics = next
            let config = self.logConfig(for: configs)
            for partition in topic.partitions { partition.reconfigure(config) }
            return configs
        }
    }

    /// After the broker-level defaults changed: every partition gets its topic's settings anew
    /// (under the registry's lock, for the reason `alterConfigs` gives).
    func reconfigureAll() {
        self.topics.withLock { topics in
            for topic in topics.values {
                let config = self.logConfig(for: topic.configs)
                for partition in topic.partitions { partition.reconfigure(config) }
            }
        }
    }

    func delete(name: String) throws -> Topic? {
        let removed = try self.topics.withLock { topics -> Topic? in
            guard let topic = topics.removeValue(forKey: name) else { return nil }
            try self.save(topics)
            return topic
        }
        for partition in removed?.partitions ?? [] {
            try partition.deleteFromDisk()
        }
        return removed
    }

    func closeAll() {
        for topic in self.all() {
            for partition in topic.partitions {
                do { try partition.close() } catch {
                    self.logger.error("closing \(topic.name)-\(partition.index) failed: \(error)")
                }
            }
        }
    }

    func logConfig(for configs: [String: String]) -> LogConfig {
        TopicConfig.apply(configs, to: self.baseLogConfig)
    }

    private func openPartition(topic: String, index: Int32, configs: [String: String]) throws -> Partition {
        let config = self.logConfig(for: configs)
        let log: PartitionLog
        if let dataDirectory {
            log = try PartitionLog.open(directory: "\(dataDirectory)/\(topic)-\(index)", config: config, logger: self.logger)
        } else {
            log = PartitionLog.inMemory(config: config)
        }
        return Partition(topic: topic, index: index, log: log)
    }

    /// `configs` without those this broker refuses: a data directory from before configs were
    /// enforced may hold some that were accepted and ignored then. They are dropped with a warning
    /// rather than reported as if they applied (the file loses them at its next save).
    private func enforceable(_ configs: [String: String], of topic: String) -> [String: String] {
        let base = self.baseLogConfig
        var kept = configs
        for key in configs.keys.sorted() {
            guard let value = configs[key], let why = TopicConfig.validationError(key: key, value: value, base: base) else { continue }
            kept.removeValue(forKey: key)
            self.logger.warning("topic '\(topic)': dropping config \(key)=\(value) from topics.json: \(why)")
        }
        return kept
    }

    private var metadataPath: String? { self.dataDirectory.map { "\($0)/topics.json" } }

    private func save(_ topics: [String: Topic]) throws {
        guard let path = self.metadataPath else { return }
        let stored = topics.values.sorted { $0.name < $1.name }.map {
            StoredTopic(name: $0.name, id: $0.id.description, partitions: Int32($0.partitions.count), configs: $0.configs)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(stored), to: path)
    }

    private func load() throws {
        guard let path = self.metadataPath, FileManager.default.fileExists(atPath: path) else { return }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let stored = try JSONDecoder().decode([StoredTopic].self, from: data)
        var loaded: [String: Topic] = [:]
        for entry in stored {
            guard TopicName.isValid(entry.name) else {
                self.logger.error("skipping topic with invalid name '\(entry.name)' in \(path)")
                continue
            }
            let configs = self.enforceable(entry.configs, of: entry.name)
            var partitions: [Partition] = []
            for index in 0..<entry.partitions {
                partitions.append(try self.openPartition(topic: entry.name, index: index, configs: configs))
            }
            let id = KafkaUUID(parsing: entry.id) ?? .random()
            loaded[entry.name] = Topic(name: entry.name, id: id, partitions: partitions, configs: configs)
        }
        self.topics.withLock { $0 = loaded }
        if !loaded.isEmpty {
            self.logger.info("loaded \(loaded.count) topic(s) from \(self.dataDirectory ?? "")")
        }
    }
}

extension KafkaUUID {
    /// Parses the canonical 8-4-4-4-12 hex form written by `description`.
    init?(parsing text: String) {
        let hex = text.replacingOccurrences(of: "-", with: "")
        guard hex.count == 32, let high = UInt64(hex.prefix(16), radix: 16), let low = UInt64(hex.suffix(16), radix: 16) else {
            return nil
        }
        self.init(high: high, low: low)
    }
}
