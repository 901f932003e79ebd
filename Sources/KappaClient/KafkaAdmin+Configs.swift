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
    /// Set on the described resource itself: a topic's override (what `kafka-topics.sh --describe`
    /// lists after "Configs:") or a broker's dynamic setting, not a default it inherits.
    public var isOwnSetting: Bool
    public var isSensitive: Bool
    public var isDefault: Bool
    /// Where the value could come from, highest priority first (when the broker reports them).
    public var synonyms: [(name: String, value: String?, source: Source)]

    public static func == (lhs: ConfigDescription, rhs: ConfigDescription) -> Bool {
        lhs.name == rhs.name && lhs.value == rhs.value && lhs.source == rhs.source && lhs.isReadOnly == rhs.isReadOnly
            && lhs.isOwnSetting == rhs.isOwnSetting
            && lhs.isSensitive == rhs.isSensitive && lhs.isDefault == rhs.isDefault
            && lhs.synonyms.map { "\($0.name)=\($0.value ?? "")@\($0.source.rawValue)" }
                == rhs.synonyms.map { "\($0.name)=\($0.value ?? "")@\($0.source.rawValue)" }
    }
}

/// What DescribeConfigs and AlterConfigs address.
public enum ConfigResource: Sendable, Equatable {
    case topic(String)
    case broker(Int32)

    var type: rd_kafka_ResourceType_t {
        switch self {
        case .topic: return RD_KAFKA_RESOURCE_TOPIC
        case .broker: return RD_KAFKA_RESOURCE_BROKER
        }
    }

    var name: String {
        switch self {
        case .topic(let name): return name
        case .broker(let id): return "\(id)"
        }
    }

    var label: String {
        switch self {
        case .topic(let name): return "topic '\(name)'"
        case .broker(let id): return "broker \(id)"
        }
    }

    /// The source of what is set on this resource itself (not inherited).
    var ownSource: ConfigDescription.Source {
        switch self {
        case .topic: return .dynamicTopicConfig
        case .broker: return .dynamicBrokerConfig
        }
    }
}

extension KafkaAdmin {
    /// Every config of topic `name` with its source and synonyms (DescribeConfigs), within
    /// `timeoutMs` (at most the client's request timeout; see `topicConfigs(_:timeoutMs:)`).
    public func describeTopicConfigs(_ name: String, timeoutMs: Int32? = nil) throws -> [ConfigDescription] {
        try self.describeConfigs(.topic(name), timeoutMs: timeoutMs)
    }

    /// Every config of `resource` with its source and synonyms (DescribeConfigs).
    public func describeConfigs(_ resource: ConfigResource, timeoutMs: Int32? = nil) throws -> [ConfigDescription] {
        try self.withAdminHandle { handle in
            guard let request = rd_kafka_ConfigResource_new(resource.type, resource.name) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot describe \(resource.label)")
            }
            defer { rd_kafka_ConfigResource_destroy(request) }
            var resources: [OpaquePointer?] = [request]
            return try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs: min(timeoutMs ?? self.requestTimeoutMs, self.requestTimeoutMs),
                what: "cannot describe \(resource.label)",
                start: { rd_kafka_DescribeConfigs(handle, &resources, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count)
                    var entries: [ConfigDescription] = []
                    for result in AdminRequest.elements(results, count) {
                        try Self.checkConfigResource(result, resource, action: "describe")
                        var configCount = 0
                        let configs = rd_kafka_ConfigResource_configs(result, &configCount)
                        for entry in AdminRequest.elements(configs, configCount) {
                            entries.append(Self.description(of: entry, ownSource: resource.ownSource))
                        }
                    }
                    return entries.sorted { $0.name < $1.name }
                })
        }
    }

    /// `alterConfigs` of a topic's overrides.
    @discardableResult
    public func alterTopicConfigs(_ name: String, set: [String: String], delete: [String]) throws -> [String: String] {
        try self.alterConfigs(.topic(name), set: set, delete: delete)
    }

    /// Sets and removes what is set on `resource` itself (a topic's overrides, a broker's dynamic
    /// settings), keeping the rest, and returns what is now set. librdkafka 2.0 only has
    /// AlterConfigs, which replaces the whole set, so the current settings are read first and sent
    /// back changed; a change another client makes between the two requests can be lost, as with
    /// Kafka's own tools before IncrementalAlterConfigs.
    @discardableResult
    public func alterConfigs(_ resource: ConfigResource, set: [String: String], delete: [String]) throws -> [String: String] {
        var current: [String: String] = [:]
        for entry in try self.describeConfigs(resource) where entry.isOwnSetting {
            current[entry.name] = entry.value ?? ""
        }
        for key in delete {
            guard current.removeValue(forKey: key) != nil else {
                throw KafkaClientError(
                    RD_KAFKA_RESP_ERR__INVALID_ARG, "Invalid config(s): \(key) (\(resource.label) has no setting of it to delete)")
            }
        }
        for (key, value) in set { current[key] = value }
        try self.withAdminHandle { handle in
            guard let request = rd_kafka_ConfigResource_new(resource.type, resource.name) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot alter \(resource.label)")
            }
            defer { rd_kafka_ConfigResource_destroy(request) }
            for key in current.keys.sorted() {
                let error = rd_kafka_ConfigResource_set_config(request, key, current[key])
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaClientError(error, "cannot alter \(resource.label) with config '\(key)'")
                }
            }
            var resources: [OpaquePointer?] = [request]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeoutMs: self.requestTimeoutMs,
                what: "cannot alter \(resource.label)",
                start: { rd_kafka_AlterConfigs(handle, &resources, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event), &count)
                    for result in AdminRequest.elements(results, count) {
                        try Self.checkConfigResource(result, resource, action: "alter")
                    }
                })
        }
        return current
    }

    private static func checkConfigResource(_ result: OpaquePointer, _ resource: ConfigResource, action: String) throws {
        let error = rd_kafka_ConfigResource_error(result)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let detail = CString.string(rd_kafka_ConfigResource_error_string(result))
            switch resource {
            case .topic(let name):
                throw KafkaClientError(error, AdminRequest.topicMessage(error, topic: name, action: action, detail: detail))
            case .broker:
                let text = detail.isEmpty ? String(cString: rd_kafka_err2str(error)) : detail
                throw KafkaClientError(error, "cannot \(action) \(resource.label): \(text)")
            }
        }
    }

    /// `ownSource` is the source of what is set on the described resource itself; a broker
    /// answering DescribeConfigs v0 reports no source, only whether the value is the default.
    private static func description(of entry: OpaquePointer, ownSource: ConfigDescription.Source) -> ConfigDescription {
        let sensitive = rd_kafka_ConfigEntry_is_sensitive(entry) == 1
        var synonymCount = 0
        let synonyms = AdminRequest.elements(rd_kafka_ConfigEntry_synonyms(entry, &synonymCount), synonymCount).map {
            (name: CString.string(rd_kafka_ConfigEntry_name($0)),
             value: sensitive ? nil : rd_kafka_ConfigEntry_value($0).map { String(cString: $0) },
             source: Self.source(rd_kafka_ConfigEntry_source($0)))
        }
        let source = Self.source(rd_kafka_ConfigEntry_source(entry))
        let isDefault = rd_kafka_ConfigEntry_is_default(entry) == 1
        return ConfigDescription(
            name: CString.string(rd_kafka_ConfigEntry_name(entry)),
            value: sensitive ? nil : rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) },
            source: source, isReadOnly: rd_kafka_ConfigEntry_is_read_only(entry) == 1,
            isOwnSetting: source == ownSource || (source == .unknown && !isDefault), isSensitive: sensitive,
            isDefault: isDefault, synonyms: synonyms)
    }

    private static func source(_ source: rd_kafka_ConfigSource_t) -> ConfigDescription.Source {
        ConfigDescription.Source(rawValue: Int(source.rawValue)) ?? .unknown
    }
}
