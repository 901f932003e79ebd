import KappaWire
import Synchronization

/// Counts requests per API so the log can say what clients are doing without a line per request:
/// a busy producer sends thousands of requests a second.
final class RequestStats: Sendable {
    static let intervalMs: Int64 = 10_000

    private struct State {
        var counts: [ApiKey: Int] = [:]
        var lastSummary: Int64 = 0
    }

    private let state = Mutex(State())

    func count(_ api: ApiKey) {
        self.state.withLock { $0.counts[api, default: 0] += 1 }
    }

    func summaryIfDue(now: Int64, connections: Int) -> String? {
        self.state.withLock { state in
            if state.lastSummary == 0 { state.lastSummary = now }
            guard now - state.lastSummary >= Self.intervalMs else { return nil }
            let seconds = (now - state.lastSummary) / 1000
            state.lastSummary = now
            let counts = state.counts
            state.counts.removeAll()
            guard !counts.isEmpty else { return nil }
            let parts = counts.sorted { $0.value > $1.value }.map { "\($0.key.name) \($0.value)" }
            return "requests in the last \(seconds)s: \(parts.joined(separator: ", ")); \(connections) connection(s) open"
        }
    }
}
