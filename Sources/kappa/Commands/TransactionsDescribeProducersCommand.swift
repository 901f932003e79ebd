import ArgumentParser
import KappaTUI

/// `kappa transactions describe-producers --topic T --partition P`: the partition's producers and the
/// first offset of each one's open transaction.
struct TransactionsDescribeProducersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-producers",
        abstract: "Show the producers with state on a partition, with the start offset of any open transaction.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The topic.")
    var topic: String

    @Option(name: .long, help: "The partition.")
    var partition: Int32

    func validate() throws {
        do { try CommandParser.validateTopicName(self.topic) } catch let e as CommandError { throw ValidationError(e.message) }
        guard self.partition >= 0 else { throw ValidationError("--partition must not be negative") }
    }

    func run() throws {
        try TransactionsTable.print(
            .describeProducers(topic: self.topic, partition: self.partition), connection: self.connection)
    }
}
