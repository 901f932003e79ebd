#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KappaLog
import Synchronization

/// The one thread that compacts logs (Kafka's `LogCleaner` with `log.cleaner.threads=1`), apart
/// from the event loops, the produce path and the flusher: a pass reads and rewrites whole segments,
/// which may take seconds, and holds a partition's lock only to take its plan and to swap the
/// cleaned segments in.
///
/// Partitions offer themselves from their periodic maintenance when a pass is due
/// (`CleaningPlan.isDue`); the thread cleans the dirtiest one offered (highest dirty ratio, overdue
/// ones first), one pass per log at a time, so the work of one turn is bounded by the offset map:
/// at most the dirty segments whose keys fit in it.
///
/// A thread of its own rather than a dispatch queue so that it can run at a lower scheduling
/// priority (nice 10 on Linux): on a busy machine the cleaner then takes the CPU the broker's
/// request handling leaves, and produce throughput on other topics stays close to what it is
/// without cleaning (issue 12 asks for within 10%). Kafka throttles its cleaner by bytes per second
/// (`log.cleaner.io.max.bytes.per.second`, unlimited by default); the priority needs no setting.
///
/// Shared by every broker in the process: brokers normally come one per process, and a log that is
/// closed while a pass runs just makes that pass throw its files away (`completeCleaning`).
final class LogCleanerThread: Sendable {
    static let shared = LogCleanerThread(mapMemoryBytes: LogCleanerThread.defaultMapMemoryBytes)

    /// Kafka's `log.cleaner.dedupe.buffer.size` is 128 MiB shared by its cleaner threads; one thread
    /// here, and 16 MiB (about 630,000 keys per pass) keeps a small broker small. A log with more
    /// keys in its dirty section is cleaned in several passes.
    static let defaultMapMemoryBytes = 16 << 20
    /// The nice value of the cleaner thread (Linux; 0 is the broker's own).
    static let niceness: Int32 = 10

    private struct Offered {
        var partitions: [ObjectIdentifier: (partition: Partition, priority: Double)] = [:]
        var isStarted = false
    }

    private let offered = Mutex(Offered())
    private let wakeUp = DispatchSemaphore(value: 0)
    let mapMemoryBytes: Int

    init(mapMemoryBytes: Int) {
        self.mapMemoryBytes = mapMemoryBytes
    }

    /// Offers `partition` for a pass; `priority` is its dirty ratio (above 1 when overdue). Starts
    /// the thread on first use.
    func offer(_ partition: Partition, priority: Double) {
        let start = self.offered.withLock { state -> Bool in
            state.partitions[ObjectIdentifier(partition)] = (partition, priority)
            defer { state.isStarted = true }
            return !state.isStarted
        }
        if start {
            let thread = Thread { self.run() }
            thread.name = "kappa-log-cleaner"
            thread.start()
        }
        self.wakeUp.signal()
    }

    /// The thread's loop: waits for offers, then cleans the dirtiest offered partition.
    private func run() {
        #if os(Linux)
        // On Linux the nice value belongs to the thread, and `who` 0 names the calling one.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        #endif
        while true {
            self.wakeUp.wait()
            while let next = self.takeDirtiest() {
                next.clean(mapMemoryBytes: self.mapMemoryBytes)
            }
        }
    }

    private func takeDirtiest() -> Partition? {
        self.offered.withLock { state in
            guard let best = state.partitions.max(by: { $0.value.priority < $1.value.priority }) else { return nil }
            state.partitions.removeValue(forKey: best.key)
            return best.value.partition
        }
    }
}
