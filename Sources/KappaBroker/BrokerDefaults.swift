import Foundation
import KappaLog
import Synchronization

/// The broker-level dynamic defaults for topic configs: Kafka's `log.retention.ms` and friends,
/// set while the broker runs with AlterConfigs on the BROKER resource, either for the cluster
/// (`kafka-configs.sh --entity-type brokers --entity-default`, resource name "") or for this broker
/// (`--entity-name 1`; it wins over the cluster default). A topic without an override of its own
/// follows them, so changing one reconfigures every such topic's open partitions.
///
/// Stored in `<data-dir>/broker-configs.json` so they survive a restart, as Kafka keeps them in
/// its metadata log; `kappa broker` flags are the static layer beneath.
final class BrokerDefaults: Sendable {
    enum Level: Sendable {
        /// Resource name "": DescribeConfigs source DYNAMIC_DEFAULT_BROKER_CONFIG (3).
        case cluster
        /// Resource name = this node's id: source DYNAMIC_BROKER_CONFIG (2).
        case broker

        var source: Int8 { self == .cluster ? 3 : 2 }
    }

    private struct Stored: Codable {
        var cluster: [String: String] = [:]
        var broker: [String: String] = [:]
    }

    private struct State {
        var stored: Stored
        /// `stored` as topic configs, worked out once per change: every produce asks for it.
        var topicConfigs: [String: String]

        init(_ stored: Stored) {
            self.stored = stored
            self.topicConfigs = BrokerDefaults.topicConfigs(cluster: stored.cluster, broker: stored.broker)
        }
    }

    private let state: Mutex<State>
    private let path: String?

    init(dataDirectory: String?) throws {
        self.path = dataDirectory.map { "\($0)/broker-configs.json" }
        var stored = Stored()
        if let path = self.path, FileManager.default.fileExists(atPath: path) {
            stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        self.state = Mutex(State(stored))
    }

    /// The broker configs set at `level`, by their broker names.
    func configs(at level: Level) -> [String: String] {
        self.state.withLock { level == .cluster ? $0.stored.cluster : $0.stored.broker }
    }

    /// Replaces what is set at `level` with what `update` (which validates) makes of it, and
    /// saves it unless `validateOnly`; one change at a time, so concurrent ones do not lose each other.
    func update(_ level: Level, validateOnly: Bool, _ update: ([String: String]) throws -> [String: String]) throws
        -> [String: String]
    {
        try self.state.withLock { state in
            var next = state.stored
            let configs = try update(level == .cluster ? next.cluster : next.broker)
            if validateOnly { return configs }
            if level == .cluster { next.cluster = configs } else { next.broker = configs }
            try self.save(next)
            state = State(next)
            return configs
        }
    }

    /// The dynamic defaults as topic configs: for each topic config, its highest-priority synonym
    /// set at the broker level, else at the cluster level.
    func topicConfigs() -> [String: String] {
        self.state.withLock { $0.topicConfigs }
    }

    private static func topicConfigs(cluster: [String: String], broker: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for entry in TopicConfig.entries where entry.isEnforced {
            levels: for level in [broker, cluster] {
                for synonym in entry.brokerSynonyms {
                    if let value = level[synonym], let converted = Self.topicValue(brokerKey: synonym, value: value) {
                        result[entry.name] = converted
                        break levels
                    }
                }
            }
        }
        return result
    }

    /// The topic config a broker config is the default of, or nil if it cannot be changed dynamically.
    static func topicEntry(forBrokerKey key: String) -> TopicConfig.Entry? {
        TopicConfig.entries.first { $0.isEnforced && $0.brokerSynonyms.contains(key) }
    }

    /// Every broker config that may be changed while the broker runs.
    static var dynamicKeys: [String] {
        TopicConfig.entries.filter(\.isEnforced).flatMap(\.brokerSynonyms).sorted()
    }

    /// `value` of broker config `brokerKey` in its topic config's unit (`log.retention.hours` is
    /// hours, `retention.ms` milliseconds); nil if it is not a number where one is needed.
    static func topicValue(brokerKey: String, value: String) -> String? {
        let factor: Int64
        if brokerKey.hasSuffix(".hours") {
            factor = 3_600_000
        } else if brokerKey.hasSuffix(".minutes") {
            factor = 60_000
        } else {
            return value
        }
        guard let number = Int64(value) else { return nil }
        if number < 0 { return "-1" }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : "\(product)"
    }

    /// Why broker config `key` cannot be set to `value`, or nil if it can.
    static func validationError(key: String, value: String, base: LogConfig) -> String? {
        guard let entry = Self.topicEntry(forBrokerKey: key) else {
            return "broker config '\(key)' cannot be changed while Kappa runs; the dynamic ones are "
                + Self.dynamicKeys.joined(separator: ", ")
        }
        guard let converted = Self.topicValue(brokerKey: key, value: value) else {
            return "\(key) must be an integer, not '\(value)'"
        }
        return TopicConfig.validationError(key: entry.name, value: converted, base: base)
            .map { "\(key) (the default of \(entry.name)): \($0)" }
    }

    private func save(_ stored: Stored) throws {
        guard let path = self.path else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(stored), to: path)
    }
}
