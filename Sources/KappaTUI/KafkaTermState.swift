import DequeModule

/// Kafka-Term: the broker's log and the admin prompt, with bounded scrollback.
public struct KafkaTermState: Equatable, Sendable {
    /// Oldest lines are dropped past this, so a chatty broker cannot grow memory without bound.
    public static let lineLimit = 2000

    public internal(set) var lines: Deque<KafkaTermLine> = []
    public internal(set) var prompt = LineEditor()
    /// Lines scrolled up from the newest; 0 shows the newest lines.
    public internal(set) var scrollBack = 0

    public init() {}

    mutating func append(_ line: KafkaTermLine) {
        self.lines.append(line)
        if self.lines.count > Self.lineLimit { self.lines.removeFirst() }
        // Keep the view still while the user reads back.
        if self.scrollBack > 0 { self.scrollBack = min(self.scrollBack + 1, max(0, self.lines.count - 1)) }
    }

    mutating func scroll(by delta: Int) {
        self.scrollBack = max(0, min(self.scrollBack + delta, max(0, self.lines.count - 1)))
    }

    mutating func clear() {
        self.lines.removeAll()
        self.scrollBack = 0
    }
}
