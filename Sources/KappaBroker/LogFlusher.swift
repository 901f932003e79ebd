import Dispatch
import Synchronization

/// The broker's one thread for work that may block on the disk: `fdatasync` of partition logs
/// (the syncs `--flush always` produces wait for, and interval flushes), retention, and the rest of
/// the periodic maintenance.
///
/// `fdatasync` takes a fraction of a millisecond on a quiet disk but 100 ms and more while other
/// programs keep it busy. Run on an event loop and under the partition's lock, as it once was, it
/// held up every request on that loop and every produce to that partition for as long (issue 6:
/// produce->ack p99 of 140 ms at linger.ms=0). Here it blocks nothing but this queue.
///
/// One serial queue: syncs never overlap, and a sync requested while another one runs waits for it
/// and then covers everything appended in the meantime (group commit).
final class LogFlusher: Sendable {
    private let queue = DispatchQueue(label: "kappa.log-flusher")
    private let isStopped = Mutex(false)

    /// Runs `work` on the flusher's queue, after whatever is queued before it.
    func async(_ work: @escaping @Sendable () -> Void) {
        self.queue.async(execute: work)
    }

    /// Runs `work` on the flusher's queue every `milliseconds` (counted from the end of the previous
    /// run), first after one interval, until `stop()`.
    func repeatEvery(milliseconds: Int64, _ work: @escaping @Sendable () -> Void) {
        self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(milliseconds))) {
            guard !self.isStopped.withLock({ $0 }) else { return }
            work()
            self.repeatEvery(milliseconds: milliseconds, work)
        }
    }

    /// Ends the repeated work and waits for the queue to finish what it is running. Work passed to
    /// `async` later still runs (it answers requests waiting for a sync).
    func stop() {
        self.isStopped.withLock { $0 = true }
        self.queue.sync {}
    }
}
