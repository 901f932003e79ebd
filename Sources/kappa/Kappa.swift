import ArgumentParser

@main
struct Kappa: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kappa",
        abstract: "A Kafka-compatible broker and terminal dashboard for producer/consumer sessions.",
        version: "0.1.0",
        subcommands: [DashboardCommand.self, BrokerCommand.self],
        defaultSubcommand: DashboardCommand.self)
}
