import KappaLog
import KappaWire

/// Every topic-level config of Kafka 3.x (`TopicConfig.java` / `LogConfig`), and what Kappa does
/// with each. A config is either *enforced* (it changes how the partition logs behave) or *fixed*:
/// meaningless on one node or not implemented, so only the one value that describes what Kappa
/// actually does is accepted (tools send `min.insync.replicas=1` or `compression.type=producer`
/// routinely) and any other is refused with INVALID_CONFIG naming it. Unknown names are refused
/// too. Nothing is stored and ignored: a broker that echoes a setting it does not apply misleads.
enum TopicConfig {
    /// Kafka's ConfigType, as DescribeConfigs v3+ reports it.
    enum ValueType: Int8, Sendable {
        case boolean = 1, string = 2, int = 3, long = 5, double = 6, list = 7
    }

    enum Treatment: Sendable, Equatable {
        /// Applied to the partition logs; any valid value may be set.
        case enforced
        /// Only the value Kappa's behaviour matches is accepted; `reason` says why.
        case fixed(reason: String)
    }

    struct Entry: Sendable {
        var name: String
        var type: ValueType
        var treatment: Treatment
        /// The broker configs that set this one's default, highest priority first (Kafka's
        /// `ServerTopicConfigSynonyms`); empty for fixed configs, which no broker setting changes.
        var brokerSynonyms: [String]
        var documentation: String
        /// The value in effect under `config` (a topic's log settings or the broker's defaults).
        var value: @Sendable (LogConfig) -> String

        var isEnforced: Bool { self.treatment == .enforced }
    }

    static let longMax = "9223372036854775807"

    static let entries: [Entry] = [
        Entry(name: "cleanup.policy", type: .list, treatment: .enforced, brokerSynonyms: ["log.cleanup.policy"],
              documentation: "'delete' removes old segments by retention.ms/retention.bytes; 'compact' keeps the latest record of each key; both may be given.",
              value: { policyText($0.cleanupPolicy) }),
        Entry(name: "compression.gzip.level", type: .int, treatment: .fixed(reason: "Kappa never recompresses batches"),
              brokerSynonyms: [], documentation: "The gzip level when the broker recompresses.", value: { _ in "-1" }),
        Entry(name: "compression.lz4.level", type: .int, treatment: .fixed(reason: "Kappa never recompresses batches"),
              brokerSynonyms: [], documentation: "The lz4 level when the broker recompresses.", value: { _ in "9" }),
        Entry(name: "compression.type", type: .string,
              treatment: .fixed(reason: "Kappa stores batches as the producer compressed them"), brokerSynonyms: [],
              documentation: "The codec of stored batches; 'producer' keeps the producer's.", value: { _ in "producer" }),
        Entry(name: "compression.zstd.level", type: .int, treatment: .fixed(reason: "Kappa never recompresses batches"),
              brokerSynonyms: [], documentation: "The zstd level when the broker recompresses.", value: { _ in "3" }),
        Entry(name: "delete.retention.ms", type: .long, treatment: .enforced,
              brokerSynonyms: ["log.cleaner.delete.retention.ms"],
              documentation: "How long a tombstone stays in a compacted topic after its segment is cleaned.",
              value: { "\($0.deleteRetentionMs)" }),
        Entry(name: "file.delete.delay.ms", type: .long, treatment: .fixed(reason: "Kappa deletes segment files at once"),
              brokerSynonyms: [], documentation: "How long a deleted segment's files are kept.", value: { _ in "0" }),
        Entry(name: "flush.messages", type: .long,
              treatment: .fixed(reason: "syncing is set for the whole broker by `kappa broker --flush`"), brokerSynonyms: [],
              documentation: "Sync the log after this many messages.",
              value: { $0.flush == .always ? "1" : longMax }),
        Entry(name: "flush.ms", type: .long,
              treatment: .fixed(reason: "syncing is set for the whole broker by `kappa broker --flush`"), brokerSynonyms: [],
              documentation: "Sync the log at least this often.",
              value: {
                  switch $0.flush {
                  case .always: return "0"
                  case .interval(let ms): return "\(ms)"
                  }
              }),
        Entry(name: "follower.replication.throttled.replicas", type: .list,
              treatment: .fixed(reason: "a single node has no replication to throttle"), brokerSynonyms: [],
              documentation: "Replicas whose replication is throttled on the follower side.", value: { _ in "" }),
        Entry(name: "index.interval.bytes", type: .int, treatment: .enforced, brokerSynonyms: ["log.index.interval.bytes"],
              documentation: "Bytes of log between two offset-index entries (applies to segments created afterwards).",
              value: { "\($0.indexIntervalBytes)" }),
        Entry(name: "leader.replication.throttled.replicas", type: .list,
              treatment: .fixed(reason: "a single node has no replication to throttle"), brokerSynonyms: [],
              documentation: "Replicas whose replication is throttled on the leader side.", value: { _ in "" }),
        Entry(name: "local.retention.bytes", type: .long, treatment: .fixed(reason: "Kappa has no tiered storage"),
              brokerSynonyms: [], documentation: "Local retention with tiered storage; -2 means retention.bytes.",
              value: { _ in "-2" }),
        Entry(name: "local.retention.ms", type: .long, treatment: .fixed(reason: "Kappa has no tiered storage"),
              brokerSynonyms: [], documentation: "Local retention with tiered storage; -2 means retention.ms.",
              value: { _ in "-2" }),
        Entry(name: "max.compaction.lag.ms", type: .long, treatment: .enforced,
              brokerSynonyms: ["log.cleaner.max.compaction.lag.ms"],
              documentation: "A record is compacted at the latest this long after it was written.",
              value: { "\($0.maxCompactionLagMs)" }),
        Entry(name: "max.message.bytes", type: .int, treatment: .enforced, brokerSynonyms: ["message.max.bytes"],
              documentation: "The largest record batch a producer may send; larger ones are refused with MESSAGE_TOO_LARGE.",
              value: { "\($0.maxMessageBytes)" }),
        Entry(name: "message.downconversion.enable", type: .boolean,
              treatment: .fixed(reason: "Kappa serves only the v2 record format and never down-converts"), brokerSynonyms: [],
              documentation: "Whether fetches by old clients are down-converted.", value: { _ in "false" }),
        Entry(name: "message.format.version", type: .string,
              treatment: .fixed(reason: "Kappa stores only the v2 record format (Kafka 3.x ignores this too)"), brokerSynonyms: [],
              documentation: "Deprecated: the record format of the log.", value: { _ in "3.0-IV1" }),
        Entry(name: "message.timestamp.after.max.ms", type: .long,
              treatment: .fixed(reason: "Kappa does not check how far record timestamps are ahead of its clock"),
              brokerSynonyms: [], documentation: "How far a CreateTime timestamp may be ahead of the broker's clock.",
              value: { _ in longMax }),
        Entry(name: "message.timestamp.before.max.ms", type: .long,
              treatment: .fixed(reason: "Kappa does not check how far record timestamps are behind its clock"),
              brokerSynonyms: [], documentation: "How far a CreateTime timestamp may be behind the broker's clock.",
              value: { _ in longMax }),
        Entry(name: "message.timestamp.difference.max.ms", type: .long,
              treatment: .fixed(reason: "Kappa does not check record timestamps against its clock"),
              brokerSynonyms: [], documentation: "Deprecated: the largest difference between a record's timestamp and the broker's clock.",
              value: { _ in longMax }),
        Entry(name: "message.timestamp.type", type: .string, treatment: .enforced,
              brokerSynonyms: ["log.message.timestamp.type"],
              documentation: "CreateTime keeps the producer's timestamps; LogAppendTime stamps each batch with the broker's clock on append.",
              value: { $0.messageTimestampType == .logAppendTime ? "LogAppendTime" : "CreateTime" }),
        Entry(name: "min.cleanable.dirty.ratio", type: .double, treatment: .enforced,
              brokerSynonyms: ["log.cleaner.min.cleanable.ratio"],
              documentation: "Compact once this share of the log has not been cleaned yet.",
              value: { "\($0.minCleanableDirtyRatio)" }),
        Entry(name: "min.compaction.lag.ms", type: .long, treatment: .enforced,
              brokerSynonyms: ["log.cleaner.min.compaction.lag.ms"],
              documentation: "A record is not compacted until it is at least this old.",
              value: { "\($0.minCompactionLagMs)" }),
        Entry(name: "min.insync.replicas", type: .int,
              treatment: .fixed(reason: "a single node has exactly one in-sync replica"), brokerSynonyms: [],
              documentation: "Replicas that must have a write for acks=all to succeed.", value: { _ in "1" }),
        Entry(name: "preallocate", type: .boolean, treatment: .fixed(reason: "Kappa does not preallocate segment files"),
              brokerSynonyms: [], documentation: "Whether new segment files are preallocated.", value: { _ in "false" }),
        Entry(name: "remote.log.copy.disable", type: .boolean, treatment: .fixed(reason: "Kappa has no tiered storage"),
              brokerSynonyms: [], documentation: "Stop copying segments to tiered storage.", value: { _ in "false" }),
        Entry(name: "remote.log.delete.on.disable", type: .boolean, treatment: .fixed(reason: "Kappa has no tiered storage"),
              brokerSynonyms: [], documentation: "Delete tiered segments when tiered storage is disabled.", value: { _ in "false" }),
        Entry(name: "remote.storage.enable", type: .boolean, treatment: .fixed(reason: "Kappa has no tiered storage"),
              brokerSynonyms: [], documentation: "Whether segments are copied to tiered storage.", value: { _ in "false" }),
        Entry(name: "retention.bytes", type: .long, treatment: .enforced, brokerSynonyms: ["log.retention.bytes"],
              documentation: "Delete the oldest closed segments while a partition is larger than this; -1 keeps any size.",
              value: { "\($0.retentionBytes ?? -1)" }),
        Entry(name: "retention.ms", type: .long, treatment: .enforced,
              brokerSynonyms: ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
              documentation: "Delete closed segments whose newest record is older than this; -1 keeps them forever.",
              value: { "\($0.retentionMs ?? -1)" }),
        Entry(name: "segment.bytes", type: .int, treatment: .enforced, brokerSynonyms: ["log.segment.bytes"],
              documentation: "Roll to a new segment before the active one would grow past this size.",
              value: { "\($0.segmentBytes)" }),
        Entry(name: "segment.index.bytes", type: .int,
              treatment: .fixed(reason: "Kappa's index files grow as needed and have no fixed size"), brokerSynonyms: [],
              documentation: "The preallocated size of a segment's index files.", value: { _ in "10485760" }),
        Entry(name: "segment.jitter.ms", type: .long, treatment: .fixed(reason: "Kappa rolls segments without jitter"),
              brokerSynonyms: [], documentation: "Random jitter subtracted from segment.ms.", value: { _ in "0" }),
        Entry(name: "segment.ms", type: .long, treatment: .enforced, brokerSynonyms: ["log.roll.ms", "log.roll.hours"],
              documentation: "Roll to a new segment once the active one spans this much time.",
              value: { $0.segmentMs.map { "\($0)" } ?? longMax }),
        Entry(name: "unclean.leader.election.enable", type: .boolean,
              treatment: .fixed(reason: "a single node has no other replica to elect"), brokerSynonyms: [],
              documentation: "Whether an out-of-sync replica may become leader.", value: { _ in "false" }),
    ]

    private static let byName: [String: Entry] = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })

    static func entry(_ name: String) -> Entry? { Self.byName[name] }

    /// Why `value` cannot be set for `key` under the broker's defaults `base`, or nil if it can.
    static func validationError(key: String, value: String, base: LogConfig) -> String? {
        guard let entry = Self.byName[key] else {
            return "unknown topic config '\(key)'"
        }
        if case .fixed(let reason) = entry.treatment {
            let only = entry.value(base)
            if value == only || (entry.name == "message.format.version" && isV2FormatVersion(value)) { return nil }
            return "\(key)=\(value) is not supported: \(reason); only \(key)=\(only.isEmpty ? "''" : only) is accepted"
        }
        switch key {
        case "cleanup.policy":
            if parsePolicy(value) == nil {
                return "cleanup.policy must be 'delete', 'compact' or 'compact,delete', not '\(value)'"
            }
        case "message.timestamp.type":
            if value != "CreateTime" && value != "LogAppendTime" {
                return "message.timestamp.type must be CreateTime or LogAppendTime, not '\(value)'"
            }
        case "min.cleanable.dirty.ratio":
            guard let ratio = Double(value), ratio >= 0, ratio <= 1 else {
                return "min.cleanable.dirty.ratio must be a number between 0 and 1, not '\(value)'"
            }
        default:
            guard let number = Int64(value), number >= minimum(of: key) else {
                return "\(key) must be an integer >= \(minimum(of: key)), not '\(value)'"
            }
            if entry.type == .int, number > Int64(Int32.max) {
                return "\(key) must be at most \(Int32.max), not '\(value)'"
            }
        }
        return nil
    }

    /// Every problem with `configs`, sorted by key, each naming its config.
    static func problems(in configs: [String: String], base: LogConfig) -> [String] {
        configs.keys.sorted().compactMap { key in configs[key].flatMap { validationError(key: key, value: $0, base: base) } }
    }

    /// Kafka's lower bounds (`LogConfig` validators).
    private static func minimum(of key: String) -> Int64 {
        switch key {
        case "retention.ms", "retention.bytes": return -1
        case "segment.bytes": return 14
        case "segment.ms", "max.compaction.lag.ms": return 1
        default: return 0
        }
    }

    /// Format versions that mean the v2 record format (0.11 and later), which is all Kappa stores.
    private static func isV2FormatVersion(_ value: String) -> Bool {
        let major = value.split(separator: ".").first.flatMap { Int($0) }
        if let major, major >= 1 { return true }
        return value.hasPrefix("0.11")
    }

    static func parsePolicy(_ value: String) -> LogConfig.CleanupPolicy? {
        let items = value.split(separator: ",", omittingEmptySubsequences: false).map { trimmed($0) }
        var policy: LogConfig.CleanupPolicy = []
        for item in items {
            switch item {
            case "delete": policy.insert(.delete)
            case "compact": policy.insert(.compact)
            default: return nil
            }
        }
        return policy.isEmpty ? nil : policy
    }

    /// `item` without the spaces around it ("compact, delete" is a valid list in Kafka).
    static func trimmed(_ item: Substring) -> String {
        String(item.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    static func policyText(_ policy: LogConfig.CleanupPolicy) -> String {
        var names: [String] = []
        if policy.contains(.compact) { names.append("compact") }
        if policy.contains(.delete) { names.append("delete") }
        return names.joined(separator: ",")
    }

    /// The log settings `configs` (topic-config names, already validated) make of `base`.
    static func apply(_ configs: [String: String], to base: LogConfig) -> LogConfig {
        var config = base
        if let value = configs["retention.ms"].flatMap(Int64.init) { config.retentionMs = value < 0 ? nil : value }
        if let value = configs["retention.bytes"].flatMap(Int64.init) { config.retentionBytes = value < 0 ? nil : value }
        if let value = configs["segment.bytes"].flatMap(Int.init) { config.segmentBytes = value }
        if let value = configs["segment.ms"].flatMap(Int64.init) { config.segmentMs = value == Int64.max ? nil : value }
        if let value = configs["max.message.bytes"].flatMap(Int.init) { config.maxMessageBytes = value }
        if let value = configs["index.interval.bytes"].flatMap(Int.init) { config.indexIntervalBytes = value }
        if let value = configs["cleanup.policy"].flatMap(parsePolicy) { config.cleanupPolicy = value }
        if let value = configs["delete.retention.ms"].flatMap(Int64.init) { config.deleteRetentionMs = value }
        if let value = configs["min.compaction.lag.ms"].flatMap(Int64.init) { config.minCompactionLagMs = value }
        if let value = configs["max.compaction.lag.ms"].flatMap(Int64.init) { config.maxCompactionLagMs = value }
        if let value = configs["min.cleanable.dirty.ratio"].flatMap(Double.init) { config.minCleanableDirtyRatio = value }
        switch configs["message.timestamp.type"] {
        case "LogAppendTime": config.messageTimestampType = .logAppendTime
        case "CreateTime": config.messageTimestampType = .createTime
        default: break
        }
        return config
    }
}
