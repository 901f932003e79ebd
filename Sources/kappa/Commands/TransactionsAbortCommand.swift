import ArgumentParser
import KappaTUI

/// `kappa transactions abort`: writes an ABORT marker for a hanging transaction on one partition, found
/// by its start offset (through DescribeProducers) or given by producer id, epoch and coordinator epoch.
struct TransactionsAbortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort a hanging transaction on a partition (WriteTxnMarkers with an ABORT marker to its leader).")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The topic.")
    var topic: String

    @Option(name: .long, help: "The partition.")
    var partition: Int32

    @Option(name: .long, help: "First offset of the transaction (CurrentTransactionStartOffset in describe-producers).")
    var startOffset: Int64?

    @Option(name: .long, help: "The producer id (instead of --start-offset).")
    var producerId: Int64?

    @Option(name: .long, help: "The producer epoch (with --producer-id).")
    var producerEpoch: Int16?

    @Option(name: .long, help: "The coordinator epoch (with --producer-id).")
    var coordinatorEpoch: Int32?

    func validate() throws {
        do { try CommandParser.validateTopicName(self.topic) } catch let e as CommandError { throw ValidationError(e.message) }
        guard self.partition >= 0 else { throw ValidationError("--partition must not be negative") }
        let producer = [self.producerId != nil, self.producerEpoch != nil, self.coordinatorEpoch != nil]
        if self.startOffset != nil {
            guard !producer.contains(true) else {
                throw ValidationError("give --start-offset or --producer-id/--producer-epoch/--coordinator-epoch, not both")
            }
        } else if producer.contains(false) {
            throw ValidationError("give --start-offset N, or all of --producer-id, --producer-epoch and --coordinator-epoch")
        }
    }

    func run() throws {
        let command: AdminCommand
        if let startOffset {
            command = .abortTransaction(topic: self.topic, partition: self.partition, startOffset: startOffset)
        } else if let producerId, let producerEpoch, let coordinatorEpoch {
            command = .abortProducerTransaction(
                topic: self.topic, partition: self.partition, producerId: producerId, producerEpoch: producerEpoch,
                coordinatorEpoch: coordinatorEpoch)
        } else {
            throw ValidationError("give --start-offset or the producer options")
        }
        try TransactionsTable.print(command, connection: self.connection)
    }
}
