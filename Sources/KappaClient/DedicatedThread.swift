import Foundation

/// Threads the client owns: librdkafka's blocking calls (polls, flushes, closes) run here instead of on
/// Swift concurrency's cooperative pool, whose few threads must never block.
enum DedicatedThread {
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    static func sleep(milliseconds: Int) {
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
    }

    /// An identity for the calling thread, to notice a callback calling back into its own client.
    static func currentID() -> ThreadID {
        ThreadID(raw: pthread_self())
    }

    /// `pthread_t` is a plain integer on Linux but a pointer on Darwin; only compared, never dereferenced.
    struct ThreadID: @unchecked Sendable {
        let raw: pthread_t

        func isCurrent() -> Bool {
            pthread_equal(self.raw, pthread_self()) != 0
        }
    }
}
