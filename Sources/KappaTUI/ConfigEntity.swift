/// What `kafka-configs.sh` changes or describes: a topic's overrides, or a broker's dynamic
/// settings (among them the defaults of topics without an override, `log.retention.ms` and friends).
public enum ConfigEntity: Equatable, Sendable {
    case topic(String)
    case broker(Int32)

    /// As Kafka's tool names it in its output: "topic t", "broker 1".
    public var label: String {
        switch self {
        case .topic(let name): return "topic \(name)"
        case .broker(let id): return "broker \(id)"
        }
    }
}
