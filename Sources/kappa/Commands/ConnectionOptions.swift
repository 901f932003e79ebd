import ArgumentParser
import KappaClient

/// The options every headless command shares: which cluster (`ClusterOptions`: --bootstrap-server,
/// --context, -X, -F; the built-in broker's address when none is given) and how long to wait for it.
struct ConnectionOptions: ParsableArguments {
    /// Where `kappa broker` and the dashboard's built-in broker listen by default.
    static let builtinAddress = "127.0.0.1:9092"

    @OptionGroup var cluster: ClusterOptions

    @Option(
        name: .long, help: ArgumentHelp("Seconds to wait for the cluster to answer a request.", valueName: "seconds"))
    var timeout: Double = 10

    func validate() throws {
        guard self.timeout > 0, self.timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds, not \(self.timeout)")
        }
    }

    /// The client configuration for the chosen cluster.
    func connect() throws -> Connection {
        let target = try self.cluster.resolve(builtinAddress: Self.builtinAddress)
        var config = ClientConfig(bootstrapServers: target.bootstrapServers)
        config.clientId = "kappa-cli"
        config.properties = target.properties
        config.requestTimeoutMs = Int32(self.timeout * 1000)
        return Connection(config: config, clusterName: target.name)
    }
}
