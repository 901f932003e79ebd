import Dispatch
import KappaLog
import Logging
import Synchronization

/// The one thread that compacts logs (Kafka's `LogCleaner` with `log.cleaner.threads=1`), apart
/// from the event loops, the produce path and the flusher: a pass reads and rewrites whole segments,
/// which may take seconds, and holds a partition's lock only to take its plan and to swap the
/// cleaned segments in.
///
/// Partitions offer themselves from their periodic maintenance when a pass is due
/// (`CleaningPlan.isDue`); when the thread is free it cleans the dirtiest one offered (highest
/// dirty ratio, overdue ones first), one pass per log at a time, so the work of one turn is bounded
/// by the offset map: at most the dirty segments whose keys fit in it.
///
/// Shared by every broker in the process: brokers normally come one per process, and a log that is
/// closed while a pass runs just makes that pass throw its files away (`completeCleaning`).
final class LogCleanerThread: Sendable {
    static let shared = LogCleanerThread(mapMemoryBytes: LogCleanerThread.defaultMapMemoryBytes)

    /// Kafka's `log.cleaner.dedupe.buffer.size` is 128 MiB shared by its cleaner threads; one thread
    /// here, and 16 MiB (about 630,000 keys per pass) keeps a small broker small. A log with more
    /// keys in its dirty section is cleaned in several passes.
    static let defaultMapMemoryBytes = 16 << 20

    private struct State {
        var offered: [ObjectIdentifier: (partition: Partition, priority: Double)] = [:]
        var isRunning = false
    }

    private let queue = DispatchQueue(label: "kappa.log-cleaner", qos: .utility)
    private let state = Mutex(State())
    let mapMemoryBytes: Int

    init(mapMemoryBytes: Int) {
        self.mapMemoryBytes = mapMemoryBytes
    }

    /// Offers `partition` for a pass; `priority` is its dirty ratio (above 1 when overdue).
    func offer(_ partition: Partition, priority: Double) {
        let start = self.state.withLock { state -> Bool in
            state.offered[ObjectIdentifier(partition)] = (partition, priority)
            guard !state.isRunning else { return false }
            state.isRunning = true
            return true
        }
        if start { self.queue.async { self.drain() } }
    }

    /// Cleans offered partitions, dirtiest first, until none is left.
    private func drain() {
        while true {
            let next = self.state.withLock { state -> Partition? in
                guard let best = state.offered.max(by: { $0.value.priority < $1.value.priority }) else {
                    state.isRunning = false
                    return nil
                }
                state.offered.removeValue(forKey: best.key)
                return best.value.partition
            }
            guard let next else { return }
            next.clean(mapMemoryBytes: self.mapMemoryBytes)
        }
    }
}
