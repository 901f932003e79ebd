import Dispatch
import Synchronization

/// A thread of its own that runs `iteration` (one bounded librdkafka poll) until stopped or until the
/// iteration returns false, so delivery reports and consumed messages are served without anyone asking.
final class PollLoop: Sendable {
    private let stopped = Mutex(false)
    private let thread = Mutex<DedicatedThread.ThreadID?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, iteration: @escaping @Sendable () -> Bool) {
        DedicatedThread.start(name: name) { [self] in
            self.thread.withLock { $0 = DedicatedThread.currentID() }
            while !self.stopped.withLock({ $0 }), iteration() {}
            self.finished.signal()
        }
    }

    /// True on the loop's own thread, i.e. inside a callback it is serving.
    var isCurrentThread: Bool {
        self.thread.withLock { $0?.isCurrent() ?? false }
    }

    /// Asks the loop to stop and waits up to `waitMs` for it to finish its iteration (not at all when
    /// called from the loop's own thread, which would wait for itself). Returns whether it finished.
    @discardableResult
    func stop(waitMs: Int) -> Bool {
        self.stopped.withLock { $0 = true }
        guard !self.isCurrentThread, waitMs > 0 else { return false }
        guard self.finished.wait(timeout: .now() + .milliseconds(waitMs)) == .success else { return false }
        self.finished.signal()  // later stops return at once
        return true
    }
}
