import Glibc
import KappaTUI
import Synchronization

/// Events for the UI thread from every other thread (log handler, delivery reports, consumer,
/// admin worker). A self-pipe wakes the UI thread when the queue turns non-empty, so an idle
/// dashboard sleeps instead of polling.
final class EventQueue: Sendable {
    private let events = Mutex<[DashboardEvent]>([])
    /// Readable while events wait; the UI thread polls it together with the terminal.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32
    /// Ring-limited so a flood into a stalled UI cannot grow without bound; only consumed messages
    /// are dropped, never command results or delivery reports.
    static let limit = 50_000

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        } else {
            ends = [-1, -1]
        }
        self.wakeDescriptor = ends[0]
        self.wakeWriter = ends[1]
    }

    deinit {
        if self.wakeDescriptor >= 0 { close(self.wakeDescriptor) }
        if self.wakeWriter >= 0 { close(self.wakeWriter) }
    }

    func post(_ event: DashboardEvent) {
        let wasEmpty = self.events.withLock { events -> Bool in
            if events.count >= Self.limit {
                var dropped = 0
                events.removeAll { event in
                    guard dropped < Self.limit / 2, case .consumed = event else { return false }
                    dropped += 1
                    return true
                }
            }
            events.append(event)
            return events.count == 1
        }
        if wasEmpty { self.wake() }
    }

    /// Wakes the UI thread without an event (a stop request).
    func wake() {
        var one: UInt8 = 1
        _ = write(self.wakeWriter, &one, 1)
    }

    func drain() -> [DashboardEvent] {
        // Clear the wake-up first: an event posted after this point wakes the UI again.
        var scratch = [UInt8](repeating: 0, count: 64)
        while read(self.wakeDescriptor, &scratch, scratch.count) > 0 {}
        return self.events.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
    }
}
