import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KappaBroker
import KappaLog
import KappaServer
import Logging
import NIOCore
import NIOPosix

/// A broker and its listener started from `BrokerOptions`: what `kappa broker` runs headless and
/// what the dashboard runs in-process.
struct EmbeddedBroker {
    let broker: Broker
    let server: KafkaServer
    let config: BrokerConfig

    /// Every connection and every segment holds descriptors; a soft limit of 1,024 runs out at about
    /// a thousand clients while the hard limit is usually far higher, so take all that is allowed.
    static func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let previous = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            logger.debug("open file limit raised from \(previous) to \(limit.rlim_max)")
        }
    }

    static func start(_ options: BrokerOptions, logger: Logger) async throws -> EmbeddedBroker {
        // Past a file size limit (ulimit -f) a write must fail with EFBIG, which a produce answers with
        // KAFKA_STORAGE_ERROR, instead of SIGXFSZ killing the broker.
        signal(SIGXFSZ, SIG_IGN)
        Self.raiseOpenFileLimit(logger: logger)
        guard let address = options.listenAddress, let advertised = options.advertisedAddress,
            let flush = FlushPolicy(argument: options.flush)
        else {
            throw ValidationError("invalid options")
        }
        var config = BrokerConfig()
        config.advertisedHost = advertised.host
        config.advertisedPort = Int32(advertised.port)
        config.dataDirectory = options.memory ? nil : options.dataDir
        config.defaultPartitions = options.defaultPartitions
        config.log.flush = flush
        config.log.segmentBytes = options.segmentBytes
        config.log.retentionMs = options.retentionHours < 0 ? nil : options.retentionHours * 3_600_000
        config.groups.initialRebalanceDelayMs = options.groupInitialRebalanceDelayMs
        config.transactions.maxTimeoutMs = options.transactionMaxTimeoutMs
        config.fetchMaxBytes = options.fetchMaxBytes

        let security = try Self.security(options)

        let broker: Broker
        do {
            broker = try Broker(config: config, logger: logger)
        } catch {
            throw StartError.broker("cannot start: \(error)")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let server: KafkaServer
        do {
            server = try await KafkaServer.start(
                configuration: .init(host: address.host, port: address.port, sasl: security.sasl, tls: security.tls),
                broker: broker, group: group, logger: logger)
        } catch {
            broker.shutdown()
            throw StartError.listen("cannot listen on \(options.listen): \(error)")
        }
        broker.startMaintenance(on: group.next())
        if !Self.isLoopback(address.host) {
            if security.sasl == nil {
                let risk = "with no authentication: anyone who can connect can read and write every topic"
                logger.warning("listening on \(address.host), reachable beyond this machine, \(risk)")
            } else if security.tls == nil {
                let risk = "traffic (and PLAIN passwords) cross the network in clear; add --tls-cert and --tls-key"
                logger.warning("listening on \(address.host) with SASL but without TLS: \(risk)")
            }
        }
        if let sasl = security.sasl {
            let mechanisms = sasl.mechanisms.map(\.rawValue).joined(separator: ", ")
            let source = "\(sasl.users.users.count) user(s) from \(options.saslUsers ?? "")"
            logger.info("SASL required: \(mechanisms), \(source)")
        }
        if security.tls != nil {
            logger.info("TLS on, certificate \(options.tlsCert ?? "")")
        }
        let storage = config.dataDirectory.map { "data in \($0), flush \(options.flush)" } ?? "in memory"
        logger.info("Kappa broker listening on \(address.host):\(server.localAddress.port ?? address.port) (\(storage))")
        return EmbeddedBroker(broker: broker, server: server, config: config)
    }

    /// SASL and TLS from the options, loaded before anything listens so a bad file stops the start.
    static func security(_ options: BrokerOptions) throws -> (sasl: SaslAuthenticator?, tls: ServerTLS?) {
        var sasl: SaslAuthenticator?
        if let path = options.saslUsers {
            let users: UsersFile
            do {
                users = try UsersFile.load(path: path)
            } catch {
                throw StartError.security("\(error)")
            }
            guard !users.users.isEmpty else {
                throw StartError.security(
                    "\(path) has no users, so nobody could log in;"
                        + " add one with 'kappa users add NAME --users-file \(path)'")
            }
            sasl = SaslAuthenticator(users: users, mechanisms: options.mechanisms)
        }
        var tls: ServerTLS?
        if let cert = options.tlsCert, let key = options.tlsKey {
            do {
                tls = try ServerTLS(certificateChainPath: cert, privateKeyPath: key)
            } catch {
                throw StartError.security("\(error)")
            }
        }
        return (sasl, tls)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func stop() async {
        await self.server.stop()
        self.broker.shutdown()
    }

    enum StartError: Error, CustomStringConvertible {
        case broker(String)
        case listen(String)
        case security(String)
        var description: String {
            switch self {
            case .broker(let why), .listen(let why), .security(let why): return why
            }
        }
    }
}
