import Logging
import Synchronization

/// Logs transaction outcomes (commit, abort, timeout, fencing) the way the request summary is
/// logged: the first few of each 10-second window one line each, the rest counted and summed up in
/// one line when the window ends, so a producer committing thousands of transactions a second does
/// not flood Kafka-Term.
final class TransactionEventLog: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case committed, aborted, timedOut = "timed out", fenced
    }

    static let windowMs: Int64 = 10_000
    static let linesPerWindow = 8

    private struct Window {
        var start: Int64 = 0
        var lines = 0
        var unlogged: [Kind: Int] = [:]
    }

    private let window = Mutex(Window())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `message` unless this window's lines are spent; then it is only counted.
    func note(_ kind: Kind, _ message: @autoclosure () -> String, now: Int64) {
        let summary = self.flushIfDue(now: now)
        if let summary { self.logger.info("\(summary)") }
        let shouldLog = self.window.withLock { window -> Bool in
            if window.lines < Self.linesPerWindow {
                window.lines += 1
                return true
            }
            window.unlogged[kind, default: 0] += 1
            return false
        }
        if shouldLog { self.logger.info("\(message())") }
    }

    /// Called periodically: ends a window that is over, logging what it did not log one by one.
    func tick(now: Int64) {
        if let summary = self.flushIfDue(now: now) { self.logger.info("\(summary)") }
    }

    private func flushIfDue(now: Int64) -> String? {
        self.window.withLock { window -> String? in
            guard now - window.start >= Self.windowMs else { return nil }
            let counts = window.unlogged
            window = Window(start: now)
            guard !counts.isEmpty else { return nil }
            let parts = Kind.allCases.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
            return "transactions in the last 10s, besides those logged: " + parts.joined(separator: ", ")
        }
    }
}
