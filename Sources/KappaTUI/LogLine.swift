/// One line of the broker's or the client's log, shown in Kafka-Term.
public struct LogLine: Equatable, Sendable {
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    public var level: LogLevel
    public var message: String

    public init(timestamp: Int64, level: LogLevel, message: String) {
        self.timestamp = timestamp
        self.level = level
        self.message = message
    }
}
