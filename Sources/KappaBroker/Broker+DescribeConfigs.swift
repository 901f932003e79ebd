import KappaWire

extension Broker {
    static let topicResource: Int8 = 2
    static let brokerResource: Int8 = 4

    struct ConfigEntry {
        var name: String
        var value: String?
        var readOnly: Bool
        var isDefault: Bool
        /// 1 dynamic topic config, 4 static broker config, 5 default.
        var configSource: Int8
        var type: Int8
    }

    func configEntries(for overrides: [String: String]) -> [ConfigEntry] {
        let base = self.config.log
        var entries = TopicConfig.entries.map { entry -> ConfigEntry in
            if let value = overrides[entry.name] {
                return ConfigEntry(name: entry.name, value: value, readOnly: entry.readOnly, isDefault: false, configSource: 1, type: entry.type)
            }
            return ConfigEntry(name: entry.name, value: entry.defaultValue(base), readOnly: entry.readOnly, isDefault: true,
                               configSource: 5, type: entry.type)
        }
        for (name, value) in overrides where !TopicConfig.entries.contains(where: { $0.name == name }) {
            entries.append(ConfigEntry(name: name, value: value, readOnly: false, isDefault: false, configSource: 1, type: 2))
        }
        return entries.sorted { $0.name < $1.name }
    }

    func describeConfigs(_ request: DescribeConfigsRequest, version: Int16) -> BrokerReply {
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            let entries: [ConfigEntry]
            switch resource.resourceType {
            case Self.topicResource:
                guard let topic = self.topics.topic(resource.resourceName) else {
                    return .init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, errorMessage: "unknown topic",
                                 resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [])
                }
                entries = self.configEntries(for: topic.configs)
            case Self.brokerResource:
                entries = self.brokerConfigEntries()
            default:
                return .init(errorCode: ErrorCode.invalidRequest.rawValue, errorMessage: "unsupported resource type \(resource.resourceType)",
                             resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [])
            }
            let wanted = resource.configurationKeys.map(Set.init)
            let configs = entries.filter { wanted?.contains($0.name) ?? true }.map {
                DescribeConfigsResponse.DescribeConfigsResult.DescribeConfigsResourceResult(
                    name: $0.name, value: $0.value, readOnly: $0.readOnly, isDefault: $0.isDefault,
                    configSource: $0.configSource, isSensitive: false, synonyms: [], configType: $0.type, documentation: nil)
            }
            return .init(errorCode: 0, errorMessage: nil, resourceType: resource.resourceType,
                         resourceName: resource.resourceName, configs: configs)
        }
        return self.reply(DescribeConfigsResponse(throttleTimeMs: 0, results: results), version: version)
    }

    private func brokerConfigEntries() -> [ConfigEntry] {
        let log = self.config.log
        let flush: String
        switch log.flush {
        case .always: flush = "1"
        case .interval: flush = "9223372036854775807"
        }
        let values: [(String, String, Int8)] = [
            ("advertised.listeners", "PLAINTEXT://\(self.config.advertisedHost):\(self.config.advertisedPort)", 7),
            ("auto.create.topics.enable", self.config.autoCreateTopics ? "true" : "false", 1),
            ("broker.id", "\(self.config.nodeId)", 3),
            ("log.flush.interval.messages", flush, 5),
            ("log.retention.bytes", "\(log.retentionBytes ?? -1)", 5),
            ("log.retention.ms", "\(log.retentionMs ?? -1)", 5),
            ("log.segment.bytes", "\(log.segmentBytes)", 3),
            ("message.max.bytes", "\(log.maxMessageBytes)", 3),
            ("num.partitions", "\(self.config.defaultPartitions)", 3),
        ]
        return values.map { ConfigEntry(name: $0.0, value: $0.1, readOnly: true, isDefault: false, configSource: 4, type: $0.2) }
    }
}
