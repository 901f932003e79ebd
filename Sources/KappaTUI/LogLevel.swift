/// Severity of a `LogLine`; the same seven levels as swift-log, so the controller maps them one to one.
public enum LogLevel: Int, Comparable, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Five columns wide, so messages line up in Kafka-Term.
    var label: String {
        switch self {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO "
        case .notice: "NOTE "
        case .warning: "WARN "
        case .error: "ERROR"
        case .critical: "CRIT "
        }
    }
}
