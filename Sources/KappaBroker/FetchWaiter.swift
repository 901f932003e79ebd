import Synchronization

/// A parked Fetch. Appends to any partition it waits on call `wake()`; the first wake (or the
/// timeout) runs its continuation once, later ones do nothing.
final class FetchWaiter: Sendable {
    private let action = Mutex<(@Sendable () -> Void)?>(nil)

    init(_ action: @escaping @Sendable () -> Void) {
        self.action.withLock { $0 = action }
    }

    var isDone: Bool { self.action.withLock { $0 == nil } }

    func wake() {
        let action = self.action.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        action?()
    }
}
