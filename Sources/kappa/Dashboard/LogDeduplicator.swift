import Synchronization

/// Keeps a failing client from flooding Kafka-Term: the same message within `window` is counted,
/// not shown, and the count rides on the next copy shown after the window.
final class LogDeduplicator: Sendable {
    let windowMs: Int64
    private let seen = Mutex<[String: (shownAt: Int64, suppressed: Int)]>([:])

    init(windowMs: Int64 = 10_000) {
        self.windowMs = windowMs
    }

    /// The text to show now, or nil to suppress it.
    func filter(_ message: String, now: Int64) -> String? {
        self.seen.withLock { seen in
            if seen.count > 1000 { seen = seen.filter { now - $0.value.shownAt < self.windowMs } }
            guard let entry = seen[message] else {
                seen[message] = (now, 0)
                return message
            }
            if now - entry.shownAt < self.windowMs {
                seen[message] = (entry.shownAt, entry.suppressed + 1)
                return nil
            }
            seen[message] = (now, 0)
            return entry.suppressed > 0 ? "\(message) (repeated \(entry.suppressed)x)" : message
        }
    }
}
