import Foundation
import KappaClient
import KappaTUI

/// Runs the `kafka-transactions.sh` commands (Kafka-Term and `kappa transactions ...`) through
/// `RawKafkaClient`, since librdkafka 2.0 has no admin calls for them. Rows come with Kafka's column
/// names first; Kafka-Term aligns them, the headless commands print them tab-separated as Kafka's tool does.
/// Blocking: call it on a worker queue.
struct TransactionsRunner {
    let config: ClientConfig

    static func handles(_ command: AdminCommand) -> Bool {
        switch command {
        case .listTransactions, .describeTransaction, .describeProducers, .abortTransaction, .abortProducerTransaction:
            return true
        default:
            return false
        }
    }

    /// The result: a table (header row first) or, for abort, one sentence.
    func rows(_ command: AdminCommand) throws -> [[String]] {
        let client = try RawKafkaClient(config: self.config)
        defer { client.close() }
        switch command {
        case .listTransactions:
            let rows = try client.listTransactions().map {
                [$0.transactionalId, "\($0.coordinator)", "\($0.producerId)", $0.state]
            }
            return [["TransactionalId", "Coordinator", "ProducerId", "TransactionState"]] + rows
        case .describeTransaction(let id):
            let t = try client.describeTransaction(id)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let start = t.startTimeMs >= 0 ? "\(t.startTimeMs)" : "None"
            let duration = t.startTimeMs >= 0 ? "\(max(0, now - t.startTimeMs))" : "None"
            let partitions = t.partitions.map { "\($0.topic)-\($0.partition)" }.joined(separator: ",")
            return [
                [
                    "CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState",
                    "CurrentTransactionTimeoutMs", "CurrentTransactionStartTimeMs", "TransactionDurationMs",
                    "TopicPartitions",
                ],
                [
                    "\(t.coordinator)", t.transactionalId, "\(t.producerId)", "\(t.producerEpoch)", t.state,
                    "\(t.timeoutMs)", start, duration, partitions,
                ],
            ]
        case .describeProducers(let topic, let partition):
            let rows = try client.describeProducers(topic: topic, partition: partition).map { p in
                [
                    "\(p.producerId)", "\(p.producerEpoch)", p.coordinatorEpoch >= 0 ? "\(p.coordinatorEpoch)" : "None",
                    "\(p.lastSequence)", "\(p.lastTimestamp)",
                    p.currentTxnStartOffset >= 0 ? "\(p.currentTxnStartOffset)" : "None",
                ]
            }
            return [
                [
                    "ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp",
                    "CurrentTransactionStartOffset",
                ]
            ] + rows
        case .abortTransaction(let topic, let partition, let startOffset):
            // As Kafka's tool: the producer whose open transaction starts at the offset, found with DescribeProducers.
            let producers = try client.describeProducers(topic: topic, partition: partition)
            guard let p = producers.first(where: { $0.currentTxnStartOffset == startOffset }) else {
                throw AdminRunner.Failure(
                    message: "Could not find any open transactions starting at offset \(startOffset) on partition \(topic)-\(partition)")
            }
            guard let epoch = Int16(exactly: p.producerEpoch) else {
                throw AdminRunner.Failure(message: "producer \(p.producerId) has epoch \(p.producerEpoch), out of range")
            }
            let coordinatorEpoch = max(0, p.coordinatorEpoch)
            try client.abortTransaction(
                topic: topic, partition: partition, producerId: p.producerId, producerEpoch: epoch,
                coordinatorEpoch: coordinatorEpoch)
            return [[Self.aborted(topic, partition, p.producerId, epoch, coordinatorEpoch)]]
        case .abortProducerTransaction(let topic, let partition, let producerId, let producerEpoch, let coordinatorEpoch):
            try client.abortTransaction(
                topic: topic, partition: partition, producerId: producerId, producerEpoch: producerEpoch,
                coordinatorEpoch: coordinatorEpoch)
            return [[Self.aborted(topic, partition, producerId, producerEpoch, coordinatorEpoch)]]
        default:
            throw AdminRunner.Failure(message: "not a transactions command")
        }
    }

    private static func aborted(_ topic: String, _ partition: Int32, _ id: Int64, _ epoch: Int16, _ coordinatorEpoch: Int32) -> String {
        "Aborted the transaction of producer \(id) (epoch \(epoch), coordinator epoch \(coordinatorEpoch)) on \(topic)-\(partition)."
    }
}
