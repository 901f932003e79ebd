import KappaLog
import KappaWire

extension Broker {
    static let topicResource: Int8 = 2
    static let brokerResource: Int8 = 4

    typealias ConfigSynonym = DescribeConfigsResponse.DescribeConfigsResult.DescribeConfigsResourceResult.DescribeConfigsSynonym

    /// Kafka's ConfigSource values (DescribeConfigs v1+).
    enum ConfigSource {
        static let topic: Int8 = 1
        static let dynamicBroker: Int8 = 2
        static let dynamicDefaultBroker: Int8 = 3
        static let staticBroker: Int8 = 4
        static let defaultConfig: Int8 = 5
    }

    struct ConfigEntry {
        var name: String
        var value: String?
        var readOnly: Bool
        var configSource: Int8
        var type: Int8
        var documentation: String
        /// Where the value could come from, highest priority first (the first one is in force).
        var synonyms: [ConfigSynonym]

        /// DescribeConfigs v0's flag: nothing set it, it is the built-in default.
        var isDefault: Bool { self.configSource == ConfigSource.defaultConfig }
    }

    /// A topic's configs as DescribeConfigs and CreateTopics report them: every Kafka topic config,
    /// with the value in force and where it comes from (the topic's override, this broker's or the
    /// cluster's dynamic default, `kappa broker` flags, or Kafka's default). Enforced configs are
    /// writable; fixed ones are read-only, since only the value shown is accepted.
    func configEntries(for overrides: [String: String]) -> [ConfigEntry] {
        let effective = self.topics.logConfig(for: overrides)
        return TopicConfig.entries.map { entry in
            var synonyms: [ConfigSynonym] = []
            if let value = overrides[entry.name] {
                synonyms.append(ConfigSynonym(name: entry.name, value: value, source: ConfigSource.topic))
            }
            synonyms += self.brokerSynonyms(of: entry)
            return ConfigEntry(
                name: entry.name, value: overrides[entry.name] ?? entry.value(effective), readOnly: !entry.isEnforced,
                configSource: synonyms.first?.source ?? ConfigSource.defaultConfig, type: entry.type.rawValue,
                documentation: Self.documentation(of: entry), synonyms: synonyms)
        }
    }

    /// The broker-level sources of a topic config's default, highest priority first: this
    /// broker's and the cluster's dynamic settings, then `kappa broker` flags where they differ
    /// from Kafka's default, then Kafka's default.
    private func brokerSynonyms(of entry: TopicConfig.Entry) -> [ConfigSynonym] {
        guard entry.isEnforced, let primary = entry.brokerSynonyms.first else { return [] }
        var synonyms: [ConfigSynonym] = []
        let levels: [(BrokerDefaults.Level, [String: String])] = [
            (.broker, self.topics.brokerDefaults.configs(at: .broker)),
            (.cluster, self.topics.brokerDefaults.configs(at: .cluster)),
        ]
        for (level, values) in levels {
            for synonym in entry.brokerSynonyms {
                if let value = values[synonym] { synonyms.append(ConfigSynonym(name: synonym, value: value, source: level.source)) }
            }
        }
        let staticValue = entry.value(self.topics.staticLogConfig)
        let kafkaDefault = entry.value(LogConfig())
        if staticValue != kafkaDefault {
            synonyms.append(ConfigSynonym(name: primary, value: staticValue, source: ConfigSource.staticBroker))
        }
        synonyms.append(ConfigSynonym(name: primary, value: kafkaDefault, source: ConfigSource.defaultConfig))
        return synonyms
    }

    private static func documentation(of entry: TopicConfig.Entry) -> String {
        switch entry.treatment {
        case .enforced:
            return entry.documentation
        case .fixed(let reason):
            return "\(entry.documentation) Fixed in Kappa: \(reason)."
        }
    }

    func describeConfigs(_ request: DescribeConfigsRequest, version: Int16) -> BrokerReply {
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            func failure(_ code: ErrorCode, _ message: String) -> DescribeConfigsResponse.DescribeConfigsResult {
                .init(errorCode: code.rawValue, errorMessage: message, resourceType: resource.resourceType,
                      resourceName: resource.resourceName, configs: [])
            }
            let entries: [ConfigEntry]
            switch resource.resourceType {
            case Self.topicResource:
                guard let topic = self.topics.topic(resource.resourceName) else {
                    return failure(.unknownTopicOrPartition, "topic '\(resource.resourceName)' does not exist")
                }
                entries = self.configEntries(for: topic.configs)
            case Self.brokerResource:
                guard let level = self.brokerLevel(resource.resourceName) else {
                    return failure(.invalidRequest, "this cluster has one broker, node \(self.config.nodeId)")
                }
                entries = self.brokerConfigEntries(level)
            default:
                return failure(.invalidRequest, "unsupported resource type \(resource.resourceType)")
            }
            let wanted = resource.configurationKeys.map(Set.init)
            let configs = entries.filter { wanted?.contains($0.name) ?? true }.map {
                DescribeConfigsResponse.DescribeConfigsResult.DescribeConfigsResourceResult(
                    name: $0.name, value: $0.value, readOnly: $0.readOnly, isDefault: $0.isDefault,
                    configSource: $0.configSource, isSensitive: false,
                    synonyms: request.includeSynonyms ? $0.synonyms : [], configType: $0.type,
                    documentation: request.includeDocumentation ? $0.documentation : nil)
            }
            return .init(errorCode: 0, errorMessage: nil, resourceType: resource.resourceType,
                         resourceName: resource.resourceName, configs: configs)
        }
        return self.reply(DescribeConfigsResponse(throttleTimeMs: 0, results: results), version: version)
    }

    /// The BROKER resource a name means: "" the cluster-wide defaults, this node's id this broker.
    func brokerLevel(_ name: String) -> BrokerDefaults.Level? {
        if name.isEmpty { return .cluster }
        return Int32(name) == self.config.nodeId ? .broker : nil
    }

    /// For the cluster level only what is set there (as Kafka answers `--entity-default`); for
    /// this broker its fixed settings and every dynamic one with the value in force.
    private func brokerConfigEntries(_ level: BrokerDefaults.Level) -> [ConfigEntry] {
        let defaults = self.topics.brokerDefaults
        if level == .cluster {
            return defaults.configs(at: .cluster).sorted { $0.key < $1.key }.compactMap { key, value in
                guard let entry = BrokerDefaults.topicEntry(forBrokerKey: key) else { return nil }
                return ConfigEntry(name: key, value: value, readOnly: false, configSource: ConfigSource.dynamicDefaultBroker,
                                   type: entry.type.rawValue, documentation: "Default of \(entry.name): \(entry.documentation)",
                                   synonyms: [ConfigSynonym(name: key, value: value, source: ConfigSource.dynamicDefaultBroker)])
            }
        }
        let flush: String
        switch self.config.log.flush {
        case .always: flush = "1"
        case .interval: flush = TopicConfig.longMax
        }
        let fixed: [(String, String, TopicConfig.ValueType, String)] = [
            ("advertised.listeners", "PLAINTEXT://\(self.config.advertisedHost):\(self.config.advertisedPort)", .list,
             "The address clients are told to connect to."),
            ("auto.create.topics.enable", self.config.autoCreateTopics ? "true" : "false", .boolean,
             "Whether Metadata and Produce create unknown topics."),
            ("broker.id", "\(self.config.nodeId)", .int, "This broker's node id."),
            ("log.flush.interval.messages", flush, .long, "Sync after this many messages (`kappa broker --flush`)."),
            ("num.partitions", "\(self.config.defaultPartitions)", .int, "Partitions of a topic created without a count."),
        ]
        var entries = fixed.map {
            ConfigEntry(name: $0.0, value: $0.1, readOnly: true, configSource: ConfigSource.staticBroker, type: $0.2.rawValue,
                        documentation: $0.3, synonyms: [ConfigSynonym(name: $0.0, value: $0.1, source: ConfigSource.staticBroker)])
        }
        let base = self.topics.baseLogConfig
        let explicitlySet = Set(defaults.configs(at: .broker).keys).union(defaults.configs(at: .cluster).keys)
        for entry in TopicConfig.entries where entry.isEnforced {
            let synonyms = self.brokerSynonyms(of: entry)
            for (index, key) in entry.brokerSynonyms.enumerated() where index == 0 || explicitlySet.contains(key) {
                let own = synonyms.filter { $0.name == key }
                let value = index == 0 ? entry.value(base) : own.first?.value
                entries.append(ConfigEntry(
                    name: key, value: value, readOnly: false,
                    configSource: (index == 0 ? synonyms.first : own.first)?.source ?? ConfigSource.defaultConfig,
                    type: entry.type.rawValue, documentation: "Default of \(entry.name): \(entry.documentation)",
                    synonyms: index == 0 ? synonyms : own))
            }
        }
        return entries.sorted { $0.name < $1.name }
    }
}
