import ArgumentParser

/// `kappa transactions describe --transactional-id ID`: the transaction's state at its coordinator.
struct TransactionsDescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a transactional id's producer, state, timeout, start time and partitions.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The transactional id (the producer's transactional.id).")
    var transactionalId: String

    func run() throws {
        try TransactionsTable.print(.describeTransaction(self.transactionalId), connection: self.connection)
    }
}
