import ArgumentParser

/// `kappa transactions list|describe|describe-producers|abort`, as kafka-transactions.sh does them.
struct TransactionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transactions",
        abstract: "List and describe transactions and the producers of a partition, and abort a hanging transaction.",
        subcommands: [
            TransactionsListCommand.self, TransactionsDescribeCommand.self, TransactionsDescribeProducersCommand.self,
            TransactionsAbortCommand.self,
        ])
}
