import DequeModule

/// The Offsets pane: the latest snapshot for the selected topic and a rate history derived from successive
/// snapshots' end offsets (records appended per second).
public struct OffsetsState: Equatable, Sendable {
    /// Points kept for the sparklines: about a minute at one snapshot a second.
    public static let historyLimit = 60

    public internal(set) var snapshot: OffsetsSnapshot?
    /// Messages per second on the whole topic, oldest first.
    public internal(set) var totalRates: Deque<Double> = []
    /// Messages per second per partition, oldest first.
    public internal(set) var partitionRates: [Int32: Deque<Double>] = [:]
    /// The highlighted partition row (Enter opens it in Browse).
    public internal(set) var selectedRow = 0

    public init() {}

    /// The newest total rate, 0 before two snapshots arrived.
    public var currentRate: Double { self.totalRates.last ?? 0 }

    mutating func apply(_ new: OffsetsSnapshot) {
        defer { self.snapshot = new }
        guard let old = self.snapshot, old.topic == new.topic else {
            self.totalRates = []
            self.partitionRates = [:]
            self.selectedRow = 0
            return
        }
        let dt = Double(new.takenAt - old.takenAt) / 1000
        guard dt > 0 else { return }
        var total = 0.0
        for p in new.partitions {
            let before = old.partitions.first { $0.partition == p.partition }?.endOffset ?? p.endOffset
            let rate = Double(max(0, p.endOffset - before)) / dt
            total += rate
            var history = self.partitionRates[p.partition] ?? []
            history.append(rate)
            if history.count > Self.historyLimit { history.removeFirst() }
            self.partitionRates[p.partition] = history
        }
        self.totalRates.append(total)
        if self.totalRates.count > Self.historyLimit { self.totalRates.removeFirst() }
        self.selectedRow = min(self.selectedRow, max(0, new.partitions.count - 1))
    }

    mutating func reset() {
        self = OffsetsState()
    }

    mutating func select(_ delta: Int) {
        let count = self.snapshot?.partitions.count ?? 0
        self.selectedRow = max(0, min(self.selectedRow + delta, max(0, count - 1)))
    }
}
