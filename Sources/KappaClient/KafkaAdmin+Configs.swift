import CRdKafka

/// One config of a topic as DescribeConfigs reports it.
public struct ConfigDescription: Sendable, Equatable {
    /// Kafka's ConfigSource names, as `kafka-configs.sh` prints them.
    public enum Source: Int, Sendable {
        case unknown = 0
        case dynamicTopicConfig = 1
        case dynamicBrokerConfig = 2
        case dynamicDefaultBrokerConfig = 3
        case staticBrokerConfig = 4
        case defaultConfig = 5

        public var name: String {
            switch self {
            case .unknown: return "UNKNOWN"
            case .dynamicTopicConfig: return "DYNAMIC_TOPIC_CONFIG"
            case .dynamicBrokerConfig: return "DYNAMIC_BROKER_CONFIG"
            case .dynamicDefaultBrokerConfig: return "DYNAMIC_DEFAULT_BROKER_CONFIG"
            case .staticBrokerConfig: return "STATIC_BROKER_CONFIG"
            case .defaultConfig: return "DEFAULT_CONFIG"
            }
        }
    }

    public var name: String
    /// nil for sensitive values.
    public var value: String?
    public var source: Source
    public var isReadOnly: Bool

    /// A topic's own override (what `kafka-topics.sh --describe` lists after "Configs:"); a broker
    /// answering DescribeConfigs v0 reports no source, only whether the value is the default.
    public var isTopicOverride: Bool {
        self.source == .dynamicTopicConfig || (self.source == .unknown && !self.isDefault)
    }
    public var isSensitive: Bool
    public var isDefault: Bool
    /// Where the value could come from, highest priority first (when the broker reports them).
    public var synonyms: [(name: String, value: String?, source: Source)]

    public static func == (lhs: ConfigDescription, rhs: ConfigDescription) -> Bool {
        lhs.name == rhs.name && lhs.value == rhs.value && lhs.source == rhs.source && lhs.isReadOnly == rhs.isReadOnly
            && lhs.isSensitive == rhs.isSensitive && lhs.isDefault == rhs.isDefault
            && lhs.synonyms.map { "\($0.name)=\($0.value ?? "")@\($0.source.rawValue)" }
                == rhs.synonyms.map { "\($0.name)=\($0.value ?? "")@\($0.source.rawValue)" }
    }
}

extension KafkaAdmin {
    /// Every config of topic `name` with its source and synonyms (DescribeConfigs), within
    /// `timeoutMs` (at most the client's request timeout; see `topicConfigs(_:timeoutMs:)`).
    public func describeTopicConfigs(_ name: String, timeoutMs: Int32? = nil) throws -> [ConfigDescription] {
        try self.withAdminHandle { handle in
            guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot describe topic '\(name)'")
            }
            defer { rd_kafka_ConfigResource_destroy(resource) }
            var resources: [OpaquePointer?] = [resource]
            return try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs: min(timeoutMs ?? self.requestTimeoutMs, self.requestTimeoutMs),
                what: "cannot describe topic '\(name)'",
                start: { rd_kafka_DescribeConfigs(handle, &resources, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count)
                    var entries: [ConfigDescription] = []
                    for result in AdminRequest.elements(results, count) {
                        try Self.checkConfigResource(result, topic: name, action: "describe")
                        var configCount = 0
                        let configs = rd_kafka_ConfigResource_configs(result, &configCount)
                        for entry in AdminRequest.elements(configs, configCount) {
                            entries.append(Self.description(of: entry))
                        }
                    }
                    return entries.sorted { $0.name < $1.name }
                })
        }
    }

    /// Sets and removes overrides of topic `name`, keeping the others, and returns the overrides
    /// now in force. librdkafka 2.0 only has AlterConfigs, which replaces the whole set, so the
    /// current overrides (source DYNAMIC_TOPIC_CONFIG) are read first and sent back changed; a change
    /// another client makes between the two requests can be lost, as with Kafka's own pre-2.3 tools.
    @discardableResult
    public func alterTopicConfigs(_ name: String, set: [String: String], delete: [String]) throws -> [String: String] {
        var overrides: [String: String] = [:]
        for entry in try self.describeTopicConfigs(name) where entry.source == .dynamicTopicConfig {
            overrides[entry.name] = entry.value ?? ""
        }
        for key in delete {
            guard overrides.removeValue(forKey: key) != nil else {
                throw KafkaClientError(
                    RD_KAFKA_RESP_ERR__INVALID_ARG,
                    "Invalid config(s): \(key) (topic '\(name)' has no override of it to delete)")
            }
        }
        for (key, value) in set { overrides[key] = value }
        try self.withAdminHandle { handle in
            guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot alter topic '\(name)'")
            }
            defer { rd_kafka_ConfigResource_destroy(resource) }
            for key in overrides.keys.sorted() {
                let error = rd_kafka_ConfigResource_set_config(resource, key, overrides[key])
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaClientError(error, "cannot alter topic '\(name)' with config '\(key)'")
                }
            }
            var resources: [OpaquePointer?] = [resource]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeoutMs: self.requestTimeoutMs,
                what: "cannot alter topic '\(name)'",
                start: { rd_kafka_AlterConfigs(handle, &resources, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event), &count)
                    for result in AdminRequest.elements(results, count) {
                        try Self.checkConfigResource(result, topic: name, action: "alter")
                    }
                })
        }
        return overrides
    }

    private static func checkConfigResource(_ result: OpaquePointer, topic: String, action: String) throws {
        let error = rd_kafka_ConfigResource_error(result)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaClientError(
                error,
                AdminRequest.topicMessage(
                    error, topic: topic, action: action, detail: CString.string(rd_kafka_ConfigResource_error_string(result))))
        }
    }

    private static func description(of entry: OpaquePointer) -> ConfigDescription {
        let sensitive = rd_kafka_ConfigEntry_is_sensitive(entry) == 1
        var synonymCount = 0
        let synonyms = AdminRequest.elements(rd_kafka_ConfigEntry_synonyms(entry, &synonymCount), synonymCount).map {
            (name: CString.string(rd_kafka_ConfigEntry_name($0)),
             value: sensitive ? nil : rd_kafka_ConfigEntry_value($0).map { String(cString: $0) },
             source: Self.source(rd_kafka_ConfigEntry_source($0)))
        }
        return ConfigDescription(
            name: CString.string(rd_kafka_ConfigEntry_name(entry)),
            value: sensitive ? nil : rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) },
            source: Self.source(rd_kafka_ConfigEntry_source(entry)),
            isReadOnly: rd_kafka_ConfigEntry_is_read_only(entry) == 1, isSensitive: sensitive,
            isDefault: rd_kafka_ConfigEntry_is_default(entry) == 1, synonyms: synonyms)
    }

    private static func source(_ source: rd_kafka_ConfigSource_t) -> ConfigDescription.Source {
        ConfigDescription.Source(rawValue: Int(source.rawValue)) ?? .unknown
    }
}
