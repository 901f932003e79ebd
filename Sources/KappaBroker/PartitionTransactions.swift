import KappaWire

/// The transactions of one partition as its log records them (Kafka's `ProducerStateManager`
/// ongoing-transaction map and `TransactionIndex`): where each open transaction began, which
/// ranges were aborted. It decides the last stable offset (LSO) and what a read_committed Fetch
/// is told to drop. Rebuilt from the log after a crash, kept in the producer-state snapshot otherwise.
struct PartitionTransactions: Sendable, Codable, Equatable {
    /// A transaction that ended in an ABORT marker: the consumer drops this producer's records
    /// from `firstOffset` up to the marker at `lastOffset`.
    struct Aborted: Sendable, Codable, Equatable {
        var producerId: Int64
        var firstOffset: Int64
        var lastOffset: Int64
    }

    /// Producer id → offset of its open transaction's first record in this partition.
    private(set) var ongoing: [Int64: Int64] = [:]
    /// Ordered by `lastOffset` (markers are appended in offset order).
    private(set) var aborted: [Aborted] = []

    init() {}

    /// Updates the state for a batch just appended (or read back at recovery) at `header.baseOffset`.
    mutating func record(_ header: RecordBatchHeader, marker: EndTransactionMarker?) {
        guard header.isTransactional, header.producerId >= 0 else { return }
        if header.isControl {
            guard let marker, let first = self.ongoing.removeValue(forKey: header.producerId) else { return }
            if marker.kind == .abort {
                self.aborted.append(Aborted(producerId: header.producerId, firstOffset: first, lastOffset: header.baseOffset))
            }
        } else if self.ongoing[header.producerId] == nil {
            self.ongoing[header.producerId] = header.baseOffset
        }
    }

    /// The first offset of the oldest open transaction, if any.
    var firstUnstableOffset: Int64? { self.ongoing.values.min() }

    /// The last stable offset for a log ending at `logEnd`: no read_committed consumer reads at or
    /// past it, since a transaction there may still abort.
    func lastStableOffset(logEnd: Int64) -> Int64 {
        min(self.firstUnstableOffset ?? logEnd, logEnd)
    }

    /// The aborted transactions a read_committed consumer reading `[from, to)` must know of.
    func abortedTransactions(from: Int64, to: Int64) -> [Aborted] {
        guard to > from else { return [] }
        // Sorted by lastOffset: skip those that ended before `from`.
        var low = 0
        var high = self.aborted.count
        while low < high {
            let mid = (low + high) / 2
            if self.aborted[mid].lastOffset < from { low = mid + 1 } else { high = mid }
        }
        return self.aborted[low...].filter { $0.firstOffset < to }
    }

    /// Forgets aborted ranges wholly below the log start (deleted by retention or DeleteRecords).
    mutating func dropAborted(below logStart: Int64) {
        if let first = self.aborted.first, first.lastOffset < logStart {
            self.aborted.removeAll { $0.lastOffset < logStart }
        }
    }

    /// Whether `producerId` has an open transaction here.
    func isOngoing(_ producerId: Int64) -> Bool { self.ongoing[producerId] != nil }

    func ongoingStart(of producerId: Int64) -> Int64? { self.ongoing[producerId] }
}
