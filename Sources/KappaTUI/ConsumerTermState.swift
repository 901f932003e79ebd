import DequeModule

/// Consumer-Term: the messages Consumer-Term's group member received, printed as get.py does.
///
/// Messages are kept as records (not as text) so changing the deserializer or the prefix re-renders the
/// history too; the count is bounded so a fast producer cannot grow memory without bound.
public struct ConsumerTermState: Equatable, Sendable {
    public static let lineLimit = 5000

    /// An inline prompt at the bottom of the pane: `:` for a command, `/` for the filter.
    public struct Input: Equatable, Sendable {
        public enum Mode: Equatable, Sendable { case command, filter }
        public var mode: Mode
        public var editor: LineEditor
    }

    public internal(set) var messages: Deque<ConsumedMessage> = []
    /// Messages received since the last subscribe, including those no longer kept.
    public internal(set) var received = 0
    public internal(set) var group: String
    public internal(set) var topic: String
    public internal(set) var paused = false
    /// Follow keeps the newest message in view; scrolling up turns it off, G or f turns it on.
    public internal(set) var following = true
    public internal(set) var scrollBack = 0
    /// Show "p0@3 " before each line.
    public internal(set) var showPrefix = false
    public internal(set) var deserializer: Deserializer = .auto
    /// librdkafka's `isolation.level`; changing it recreates the consumer.
    public internal(set) var isolation: IsolationLevel = .readCommitted
    /// Case-insensitive text the shown lines must contain; empty shows all.
    public internal(set) var filter = ""
    public internal(set) var input: Input?
    /// The consumer's last error from the controller, shown in the title until it recovers.
    public internal(set) var error: String?

    public init(group: String, topic: String) {
        self.group = group
        self.topic = topic
    }

    mutating func append(_ batch: [ConsumedMessage]) {
        guard !batch.isEmpty else { return }
        self.received += batch.count
        // Only the start of each key and value is kept (all a line can show), so memory stays bounded by
        // lineLimit × 2 × displayLimit however large the records are.
        let kept = batch.suffix(Self.lineLimit).map { $0.clipped(to: Deserializer.displayLimit) }
        self.messages.append(contentsOf: kept)
        let overflow = self.messages.count - Self.lineLimit
        if overflow > 0 { self.messages.removeFirst(overflow) }
        if self.following {
            self.scrollBack = 0
        } else {
            self.scrollBack = min(self.scrollBack + kept.count, max(0, self.messages.count - 1))
        }
    }

    /// The lines as shown: get.py format, optional prefix, filtered.
    func visibleLines() -> [String] {
        var out: [String] = []
        out.reserveCapacity(self.messages.count)
        let needle = self.filter.lowercased()
        for m in self.messages {
            let text = self.format(m)
            if needle.isEmpty || text.lowercased().contains(needle) { out.append(text) }
        }
        return out
    }

    func format(_ m: ConsumedMessage) -> String {
        let line = GetPyFormat.line(m, deserializer: self.deserializer)
        return self.showPrefix ? "p\(m.partition)@\(m.offset) " + line : line
    }

    mutating func scroll(by delta: Int, total: Int) {
        self.scrollBack = max(0, min(self.scrollBack + delta, max(0, total - 1)))
        self.following = self.scrollBack == 0
    }

    mutating func clear() {
        self.messages.removeAll()
        self.scrollBack = 0
        self.following = true
    }

    mutating func resubscribe(group: String, topic: String) {
        self.group = group
        self.topic = topic
        self.clear()
        self.received = 0
        self.paused = false
        self.error = nil
    }
}
