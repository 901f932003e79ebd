/// One line of Kafka-Term's scrollback: a log line, an echoed command, or a command's output.
public struct KafkaTermLine: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case log(LogLevel, timestamp: Int64)
        /// The command as typed, echoed after the prompt like a shell does.
        case command
        case output
        case error
        /// The dashboard's own notes (help text, "(no output)").
        case info
    }

    public var kind: Kind
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }
}
