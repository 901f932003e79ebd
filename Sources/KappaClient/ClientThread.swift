import Dispatch
import Synchronization

/// A thread of its own running submitted jobs one after another. The async `perform` entry points hop
/// here so that blocking librdkafka calls never occupy a thread of Swift's cooperative pool.
final class ClientThread: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var started = false
        var stopped = false
    }

    private let name: String
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)

    init(name: String) {
        self.name = name
    }

    /// Runs `body` on the thread and resumes with its result; throws `KafkaClientError.closed` once stopped.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = self.submit { continuation.resume(with: Result { try body() }) }
            if !accepted {
                continuation.resume(throwing: KafkaClientError(code: KafkaClientError.closed, message: "the client is closed"))
            }
        }
    }

    /// Lets queued jobs finish, then ends the thread.
    func stop() {
        let wasRunning = self.state.withLock { state in
            defer { state.stopped = true }
            return state.started && !state.stopped
        }
        if wasRunning {
            self.wakeUp.signal()
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let (accepted, start) = self.state.withLock { state -> (Bool, Bool) in
            guard !state.stopped else { return (false, false) }
            state.jobs.append(job)
            defer { state.started = true }
            return (true, !state.started)
        }
        if start {
            DedicatedThread.start(name: self.name) { [self] in self.loop() }
        }
        if accepted {
            self.wakeUp.signal()
        }
        return accepted
    }

    private func loop() {
        while true {
            self.wakeUp.wait()
            let (job, stopped) = self.state.withLock { state in
                (state.jobs.isEmpty ? nil : state.jobs.removeFirst(), state.stopped)
            }
            if let job {
                job()
            } else if stopped {
                return
            }
        }
    }
}
