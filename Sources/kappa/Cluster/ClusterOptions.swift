import ArgumentParser

/// Which cluster a command talks to: `--bootstrap-server`, or a named `--context` from the config
/// file, plus librdkafka properties from `-X key=value` and `-F file.properties` (as kcat takes them).
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-server"), help: "Kafka cluster to use, HOST:PORT[,HOST:PORT] (instead of the built-in broker).")
    var bootstrapServer: String?

    @Option(name: .long, help: "Named cluster from $XDG_CONFIG_HOME/kappa/config.toml ('builtin' is the built-in broker).")
    var context: String?

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property, key=value (repeatable), e.g. -X security.protocol=SASL_PLAINTEXT.", valueName: "key=value"))
    var property: [String] = []

    @Option(name: .customShort("F"), help: ArgumentHelp("Read librdkafka properties from a file (key=value lines, # comments).", valueName: "file"))
    var propertiesFile: String?

    func validate() throws {
        for entry in self.property where !entry.contains("=") {
            throw ValidationError("-X takes key=value, not '\(entry)'")
        }
        if self.bootstrapServer != nil, self.context != nil {
            throw ValidationError("give --bootstrap-server or --context, not both")
        }
    }

    /// The cluster to use; `builtinAddress` is where the built-in broker listens.
    func resolve(builtinAddress: String) throws -> ResolvedCluster {
        var cluster: ResolvedCluster
        if let bootstrapServer {
            cluster = ResolvedCluster(name: bootstrapServer, bootstrapServers: bootstrapServer, properties: [:], isBuiltin: false)
        } else {
            let config = try ContextConfig.load()
            let name = self.context ?? config.defaultContext ?? ContextConfig.builtinName
            if name == ContextConfig.builtinName {
                cluster = ResolvedCluster(name: name, bootstrapServers: builtinAddress, properties: [:], isBuiltin: true)
            } else {
                guard let context = config.contexts[name] else {
                    let known = ([ContextConfig.builtinName] + config.contexts.keys.sorted()).joined(separator: ", ")
                    throw ValidationError("unknown context '\(name)' (known: \(known); file \(ContextConfig.path))")
                }
                cluster = ResolvedCluster(name: name, bootstrapServers: context.bootstrap, properties: context.properties, isBuiltin: false)
            }
        }
        if let propertiesFile {
            for (key, value) in try PropertiesFile.read(propertiesFile) { cluster.properties[key] = value }
        }
        for entry in self.property {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            cluster.properties[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        if let servers = cluster.properties.removeValue(forKey: "bootstrap.servers") {
            cluster.bootstrapServers = servers
            cluster.isBuiltin = false
        }
        return cluster
    }
}

/// A cluster chosen by `ClusterOptions`.
struct ResolvedCluster: Sendable {
    var name: String
    var bootstrapServers: String
    var properties: [String: String]
    /// True when the command should use (or, for the dashboard, start) the built-in broker.
    var isBuiltin: Bool

    /// Properties safe to show: anything that looks like a secret is masked.
    var displayProperties: [String] {
        self.properties.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(Self.isSecret(key) ? "********" : value)"
        }
    }

    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return lower.contains("password") || lower.contains("secret") || lower.contains("sasl.jaas") || lower.hasSuffix(".key")
            || lower.contains("token")
    }
}
