import KappaTUI
import Synchronization

/// Events for the UI thread from every other thread (log handler, delivery reports, consumer,
/// admin worker). The UI thread drains it once per frame; `version` tells it whether to.
final class EventQueue: Sendable {
    private let events = Mutex<[DashboardEvent]>([])
    /// Ring-limited so a flood (10,000 msg/s into an unresponsive UI) cannot grow without bound.
    static let limit = 50_000

    func post(_ event: DashboardEvent) {
        self.events.withLock { events in
            if events.count >= Self.limit { events.removeFirst(events.count / 2) }
            events.append(event)
        }
    }

    func drain() -> [DashboardEvent] {
        self.events.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
    }
}
