import ArgumentParser

/// `kappa transactions list`: every transactional id, its coordinator, producer id and state.
struct TransactionsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print every transactional id: TransactionalId, Coordinator, ProducerId, TransactionState.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try TransactionsTable.print(.listTransactions, connection: self.connection)
    }
}
