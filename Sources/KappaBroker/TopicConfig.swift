import KappaLog

/// The topic-level configs this broker understands: the ones that change how a partition log
/// behaves, plus the read-only ones clients and tools expect DescribeConfigs to list.
enum TopicConfig {
    struct Entry: Sendable {
        var name: String
        var defaultValue: @Sendable (LogConfig) -> String
        var readOnly: Bool
        /// Kafka's ConfigType for DescribeConfigs v3+: 1 boolean, 2 string, 3 int, 5 long, 7 list.
        var type: Int8
    }

    static let entries: [Entry] = [
        Entry(name: "cleanup.policy", defaultValue: { _ in "delete" }, readOnly: true, type: 7),
        Entry(name: "compression.type", defaultValue: { _ in "producer" }, readOnly: true, type: 2),
        Entry(name: "max.message.bytes", defaultValue: { "\($0.maxMessageBytes)" }, readOnly: false, type: 3),
        Entry(name: "message.timestamp.type", defaultValue: { _ in "CreateTime" }, readOnly: true, type: 2),
        Entry(name: "min.insync.replicas", defaultValue: { _ in "1" }, readOnly: true, type: 3),
        Entry(name: "retention.bytes", defaultValue: { "\($0.retentionBytes ?? -1)" }, readOnly: false, type: 5),
        Entry(name: "retention.ms", defaultValue: { "\($0.retentionMs ?? -1)" }, readOnly: false, type: 5),
        Entry(name: "segment.bytes", defaultValue: { "\($0.segmentBytes)" }, readOnly: false, type: 3),
        Entry(name: "segment.index.bytes", defaultValue: { _ in "10485760" }, readOnly: true, type: 3),
        Entry(name: "unclean.leader.election.enable", defaultValue: { _ in "false" }, readOnly: true, type: 1),
    ]

    static func validationError(key: String, value: String) -> String? {
        switch key {
        case "retention.ms", "retention.bytes":
            guard let number = Int64(value), number >= -1 else { return "\(key) must be an integer >= -1, not '\(value)'" }
            _ = number
        case "segment.bytes":
            guard let number = Int(value), number >= 14 else { return "segment.bytes must be an integer >= 14, not '\(value)'" }
            _ = number
        case "max.message.bytes":
            guard let number = Int(value), number >= 0 else { return "max.message.bytes must be an integer >= 0, not '\(value)'" }
            _ = number
        default:
            // Other Kafka topic configs are accepted and echoed back but have no effect on one node.
            break
        }
        return nil
    }

    static func apply(_ configs: [String: String], to base: LogConfig) -> LogConfig {
        var config = base
        if let value = configs["retention.ms"].flatMap(Int64.init) { config.retentionMs = value < 0 ? nil : value }
        if let value = configs["retention.bytes"].flatMap(Int64.init) { config.retentionBytes = value < 0 ? nil : value }
        if let value = configs["segment.bytes"].flatMap(Int.init) { config.segmentBytes = value }
        if let value = configs["max.message.bytes"].flatMap(Int.init) { config.maxMessageBytes = value }
        return config
    }
}
