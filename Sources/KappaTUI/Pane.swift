/// The four panes of the dashboard, in Tab order (reading order of the wide layout).
public enum Pane: Int, CaseIterable, Equatable, Sendable {
    case kafkaTerm, offsets, producerTerm, consumerTerm

    public var title: String {
        switch self {
        case .kafkaTerm: "Kafka-Term"
        case .offsets: "Offsets"
        case .producerTerm: "Producer-Term"
        case .consumerTerm: "Consumer-Term"
        }
    }

    /// Tab moves forward, Shift-Tab back, wrapping around.
    var next: Pane { Pane(rawValue: (self.rawValue + 1) % Pane.allCases.count) ?? .kafkaTerm }
    var previous: Pane {
        Pane(rawValue: (self.rawValue + Pane.allCases.count - 1) % Pane.allCases.count) ?? .kafkaTerm
    }

    /// Kafka-Term and Producer-Term are prompts: printable keys type there, so `q` does not quit.
    var hasPrompt: Bool { self == .kafkaTerm || self == .producerTerm }
}
