/// Why a Kafka-Term command was rejected: one line, printed under the echoed command.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
