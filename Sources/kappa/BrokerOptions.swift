import ArgumentParser
import KappaBroker
import KappaLog

/// The options shared by every command that runs the built-in broker.
struct BrokerOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on and advertise, HOST:PORT.")
    var listen: String = "127.0.0.1:9092"

    @Option(name: .long, help: "Address given to clients in Metadata, HOST:PORT, when it differs from --listen (a proxy, NAT).")
    var advertise: String?

    @Option(name: .long, help: "Directory for partition logs, topic metadata and offsets.")
    var dataDir: String = "kappa-data"

    @Flag(name: .long, help: "Keep everything in memory; nothing is written to disk.")
    var memory: Bool = false

    @Option(name: .long, help: "When to fsync the log: 'always' (before acknowledging) or an interval in milliseconds.")
    var flush: String = "1000"

    @Option(name: .long, help: "Partitions of auto-created topics.")
    var defaultPartitions: Int32 = 1

    @Option(name: .long, help: "Roll a new log segment at this size, in bytes.")
    var segmentBytes: Int = 1 << 30

    @Option(name: .long, help: "Delete segments older than this many hours (-1 keeps them forever).")
    var retentionHours: Int64 = 168

    @Option(name: .long, help: "Most record bytes in one Fetch answer, whatever the client asks for (at least one batch is always sent).")
    var fetchMaxBytes: Int = 8 << 20

    @Option(name: .long, help: "How long a new consumer group waits for more members before its first rebalance, in ms.")
    var groupInitialRebalanceDelayMs: Int64 = 300

    @Option(name: .long, help: "The longest transaction.timeout.ms a transactional producer may ask for, in ms (Kafka's transaction.max.timeout.ms).")
    var transactionMaxTimeoutMs: Int32 = 900_000

    @Option(name: .long, help: ArgumentHelp(
        "Require SASL authentication, with the users in this TOML file (manage it with 'kappa users').",
        valueName: "file"))
    var saslUsers: String?

    @Option(name: .long, help: ArgumentHelp(
        "SASL mechanisms offered with --sasl-users, comma-separated: PLAIN, SCRAM-SHA-256 (default both).",
        valueName: "list"))
    var saslMechanisms: String?

    @Option(name: .long, help: ArgumentHelp(
        "Speak TLS on the listener with this PEM certificate (chain); needs --tls-key.", valueName: "pem"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "pem"))
    var tlsKey: String?

    func validate() throws {
        guard self.fetchMaxBytes > 0 else {
            throw ValidationError("--fetch-max-bytes must be a positive number of bytes, not \(self.fetchMaxBytes)")
        }
        guard FlushPolicy(argument: self.flush) != nil else {
            throw ValidationError("--flush must be 'always' or a number of milliseconds, not '\(self.flush)'")
        }
        guard self.listenAddress != nil else {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535, not '\(self.listen)'")
        }
        if let advertise = self.advertise, Self.parse(advertise) == nil {
            throw ValidationError("--advertise must be HOST:PORT, not '\(advertise)'")
        }
        guard self.defaultPartitions > 0 else { throw ValidationError("--default-partitions must be at least 1") }
        guard self.groupInitialRebalanceDelayMs >= 0 else { throw ValidationError("--group-initial-rebalance-delay-ms must be >= 0") }
        guard self.transactionMaxTimeoutMs > 0 else { throw ValidationError("--transaction-max-timeout-ms must be positive") }
        guard self.segmentBytes >= 1024 else { throw ValidationError("--segment-bytes must be at least 1024") }
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if let list = self.saslMechanisms {
            guard self.saslUsers != nil else { throw ValidationError("--sasl-mechanisms needs --sasl-users") }
            if case .failure(let error) = SaslMechanism.parseList(list) {
                throw ValidationError("--sasl-mechanisms: \(error)")
            }
        }
    }

    /// The mechanisms to offer; `validate()` has checked the list.
    var mechanisms: [SaslMechanism] {
        guard let list = self.saslMechanisms, case .success(let mechanisms) = SaslMechanism.parseList(list) else {
            return SaslMechanism.allCases
        }
        return mechanisms
    }

    var listenAddress: (host: String, port: Int)? { Self.parse(self.listen) }

    var advertisedAddress: (host: String, port: Int)? { self.advertise.flatMap(Self.parse) ?? self.listenAddress }

    static func parse(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        return (host, port)
    }
}
