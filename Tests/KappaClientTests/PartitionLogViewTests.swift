import KappaClient
import Testing

extension KappaClientTests {
    /// Which records Browse marks, from batch headers alone.
    @Suite struct LogView {
        func batch(_ base: Int64, _ last: Int64, producer: Int64, txn: Bool = true, marker: LogBatch.Marker? = nil)
            -> LogBatch
        {
            LogBatch(
                baseOffset: base, lastOffset: last, producerId: producer, isTransactional: txn, marker: marker,
                maxTimestamp: 0)
        }

        @Test func abortedCommittedOpenAndPlainRecords() {
            // 0-1 producer 7 (aborted at 4), 2 plain, 3 producer 8 (committed at 5), 4 ABORT(7), 5 COMMIT(8),
            // 6-7 producer 7 again, still open (LSO 6).
            let view = PartitionLogView(
                highWatermark: 8, lastStableOffset: 6,
                batches: [
                    self.batch(0, 1, producer: 7), self.batch(2, 2, producer: -1, txn: false),
                    self.batch(3, 3, producer: 8), self.batch(4, 4, producer: 7, marker: .abort),
                    self.batch(5, 5, producer: 8, marker: .commit), self.batch(6, 7, producer: 7),
                ])
            #expect(view.status(of: 0) == .aborted)
            #expect(view.status(of: 1) == .aborted)
            #expect(view.status(of: 2) == .plain)
            #expect(view.status(of: 3) == .plain)
            #expect(view.status(of: 4) == .marker(.abort))
            #expect(view.status(of: 5) == .marker(.commit))
            #expect(view.status(of: 6) == .open)
            #expect(view.status(of: 8) == nil)
            #expect(view.isResolved(from: 0))
        }

        @Test func aMarkerBeyondTheViewLeavesTheRecordUnknown() {
            let view = PartitionLogView(
                highWatermark: 10, lastStableOffset: 10, batches: [self.batch(0, 1, producer: 7)])
            #expect(view.status(of: 0) == nil)
            #expect(!view.isResolved(from: 0))
        }
    }
}
