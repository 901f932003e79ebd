import KappaTUI

/// Runs a transactions command for `kappa transactions ...` and prints its rows tab-separated, header first,
/// as kafka-transactions.sh does.
enum TransactionsTable {
    static func print(_ command: AdminCommand, connection options: ConnectionOptions) throws {
        let connection = try options.connect()
        let rows = try connection.wrap { try TransactionsRunner(config: connection.config).rows(command) }
        try StandardOutput.print(rows.map { $0.joined(separator: "\t") })
    }
}
