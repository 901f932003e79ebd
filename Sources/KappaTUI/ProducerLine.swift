/// One line of Producer-Term: a send with its delivery report, or a note from a `:` setting command.
public struct ProducerLine: Equatable, Sendable {
    public enum Status: Equatable, Sendable {
        case pending
        case delivered(PartitionOffset)
        case failed(String)
    }

    public enum Kind: Equatable, Sendable {
        case send(id: Int, status: Status)
        case note
        case error
    }

    public var kind: Kind
    /// The line as typed (for a send) or the note's text.
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }
}
