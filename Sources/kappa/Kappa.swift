import ArgumentParser

@main
struct Kappa: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kappa",
        abstract: "A Kafka-compatible broker and terminal dashboard for producer/consumer sessions.",
        version: "0.1.0",
        subcommands: [
            DashboardCommand.self, BrokerCommand.self, TopicsCommand.self, ProduceCommand.self, ConsumeCommand.self,
            GroupsCommand.self, TransactionsCommand.self, ExportCommand.self, ImportCommand.self, UsersCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self)

    /// The headless commands answer every failure in one line; see `HeadlessMain`.
    static func main() async {
        await HeadlessMain.main()
    }
}
