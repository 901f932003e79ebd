import KappaWire

/// Idempotent-producer bookkeeping for one partition: per producer id, its epoch, last sequence and
/// the last five batches, so a retried batch is answered with its original offset instead of being
/// written twice (Kafka's `ProducerStateEntry`/`ProducerAppendInfo`; clients keep at most 5 in flight).
struct ProducerStateTable: Sendable {
    static let batchesRetained = 5

    struct BatchMetadata: Sendable, Equatable {
        var firstSequence: Int32
        var lastSequence: Int32
        var baseOffset: Int64
    }

    struct Entry: Sendable {
        var epoch: Int16
        var lastSequence: Int32
        var batches: [BatchMetadata]
        /// The max timestamp of its last batch (DescribeProducers reports it).
        var lastTimestamp: Int64 = -1
        /// The coordinator epoch of its last transaction marker, -1 before any.
        var coordinatorEpoch: Int32 = -1
    }

    enum Verdict: Equatable {
        case append
        case duplicate(baseOffset: Int64)
        case reject(ErrorCode)
    }

    private(set) var entries: [Int64: Entry] = [:]

    init(entries: [Int64: Entry] = [:]) {
        self.entries = entries
    }

    /// Decides what to do with a batch before anything is written.
    func check(_ batch: RecordBatchHeader) -> Verdict {
        guard batch.producerId >= 0 else { return .append }
        if batch.isControl {
            // A transaction marker carries no sequence; an older epoch than the producer's is a
            // fenced coordinator or a stale abort (Kafka: ProducerFencedException on the append).
            if let entry = self.entries[batch.producerId], batch.producerEpoch < entry.epoch {
                return .reject(.invalidProducerEpoch)
            }
            return .append
        }
        guard let entry = self.entries[batch.producerId] else {
            // Unknown producer (new, or its state predates what we kept): accept any sequence, as Kafka >= 2.5 does.
            return .append
        }
        if batch.producerEpoch < entry.epoch { return .reject(.invalidProducerEpoch) }
        if batch.producerEpoch > entry.epoch {
            return batch.baseSequence == 0 ? .append : .reject(.outOfOrderSequenceNumber)
        }
        if let cached = entry.batches.first(where: {
            $0.firstSequence == batch.baseSequence && $0.lastSequence == batch.lastSequence
        }) {
            return .duplicate(baseOffset: cached.baseOffset)
        }
        let expected = entry.lastSequence == Int32.max ? 0 : entry.lastSequence + 1
        return batch.baseSequence == expected ? .append : .reject(.outOfOrderSequenceNumber)
    }

    /// Records a batch that was appended at `baseOffset`.
    mutating func record(_ batch: RecordBatchHeader, baseOffset: Int64, marker: EndTransactionMarker? = nil) {
        guard batch.producerId >= 0 else { return }
        if batch.isControl {
            // A marker written with a bumped epoch (a fenced or timed-out transaction) starts the new
            // epoch: the producer's next batch must begin at sequence 0.
            var entry = self.entries[batch.producerId] ?? Entry(epoch: batch.producerEpoch, lastSequence: -1, batches: [])
            if batch.producerEpoch != entry.epoch {
                entry = Entry(epoch: batch.producerEpoch, lastSequence: -1, batches: [])
            }
            entry.lastTimestamp = batch.maxTimestamp
            if let marker { entry.coordinatorEpoch = marker.coordinatorEpoch }
            self.entries[batch.producerId] = entry
            return
        }
        let metadata = BatchMetadata(firstSequence: batch.baseSequence, lastSequence: batch.lastSequence, baseOffset: baseOffset)
        if var entry = self.entries[batch.producerId], entry.epoch == batch.producerEpoch {
            entry.lastSequence = batch.lastSequence
            entry.batches.append(metadata)
            if entry.batches.count > Self.batchesRetained { entry.batches.removeFirst() }
            entry.lastTimestamp = batch.maxTimestamp
            self.entries[batch.producerId] = entry
        } else {
            let coordinatorEpoch = self.entries[batch.producerId]?.coordinatorEpoch ?? -1
            self.entries[batch.producerId] = Entry(epoch: batch.producerEpoch, lastSequence: batch.lastSequence, batches: [metadata],
                                                   lastTimestamp: batch.maxTimestamp, coordinatorEpoch: coordinatorEpoch)
        }
    }
}
