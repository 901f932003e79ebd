import Foundation

/// The idempotent-producer table of a partition as it stood at a clean shutdown, with the log end
/// offset it matches (Kafka's `<offset>.snapshot`). Opening a partition then loads it instead of
/// reading every batch header of every segment, which for tens of millions of records is the
/// difference between milliseconds and seconds. After an unclean shutdown there is no snapshot (it is
/// removed once loaded) or its offset no longer matches the log, and the headers are read as before.
struct ProducerStateSnapshot: Codable, Equatable {
    static let fileName = "producer-state.json"

    struct Producer: Codable, Equatable {
        var producerId: Int64
        var epoch: Int16
        var lastSequence: Int32
        /// `[firstSequence, lastSequence, baseOffset]` of the batches kept for duplicate detection.
        var batches: [[Int64]]
        var lastTimestamp: Int64?
        var coordinatorEpoch: Int32?
    }

    var logEndOffset: Int64
    var producers: [Producer]
    /// The partition's transactions (absent in snapshots written before transactions existed).
    var transactions: PartitionTransactions?

    init(table: ProducerStateTable, transactions: PartitionTransactions = PartitionTransactions(), logEndOffset: Int64) {
        self.logEndOffset = logEndOffset
        self.producers = table.entries.sorted { $0.key < $1.key }.map { id, entry in
            Producer(producerId: id, epoch: entry.epoch, lastSequence: entry.lastSequence,
                     batches: entry.batches.map { [Int64($0.firstSequence), Int64($0.lastSequence), $0.baseOffset] },
                     lastTimestamp: entry.lastTimestamp, coordinatorEpoch: entry.coordinatorEpoch)
        }
        self.transactions = transactions
    }

    /// The table, or `nil` if an entry does not make sense (then the log is read instead).
    var table: ProducerStateTable? {
        var entries: [Int64: ProducerStateTable.Entry] = [:]
        for producer in self.producers {
            var batches: [ProducerStateTable.BatchMetadata] = []
            for batch in producer.batches {
                guard batch.count == 3, let first = Int32(exactly: batch[0]), let last = Int32(exactly: batch[1]) else {
                    return nil
                }
                batches.append(.init(firstSequence: first, lastSequence: last, baseOffset: batch[2]))
            }
            entries[producer.producerId] = .init(epoch: producer.epoch, lastSequence: producer.lastSequence,
                                                 batches: batches, lastTimestamp: producer.lastTimestamp ?? -1,
                                                 coordinatorEpoch: producer.coordinatorEpoch ?? -1)
        }
        return ProducerStateTable(entries: entries)
    }

    /// Reads and removes the snapshot in `directory`; `nil` if there is none or it cannot be read.
    static func take(from directory: String) -> ProducerStateSnapshot? {
        let path = directory + "/" + Self.fileName
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        // Used once: a later crash must not find a snapshot that predates what was appended since.
        _ = unlink(path)
        return try? JSONDecoder().decode(ProducerStateSnapshot.self, from: data)
    }

    func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try AtomicFile.write(try encoder.encode(self), to: directory + "/" + Self.fileName)
    }
}
