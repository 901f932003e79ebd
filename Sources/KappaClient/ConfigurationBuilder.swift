import CRdKafka

/// librdkafka properties in the order they are applied (defaults first, the user's last), turned into
/// an `rd_kafka_conf_t` without ever letting a secret value reach a log line or an error message.
struct ConfigurationBuilder: Sendable {
    private(set) var entries: [(key: String, value: String)] = []

    /// The defaults every handle gets, then `defaults` for its kind, then `config.properties` sorted by key.
    init(config: ClientConfig, defaults: [(String, String)]) {
        self.set("bootstrap.servers", config.bootstrapServers)
        self.set("client.id", config.clientId)
        for (key, value) in defaults {
            self.set(key, value)
        }
        for key in config.properties.keys.sorted() {
            if let value = config.properties[key] {
                self.set(key, value)
            }
        }
    }

    mutating func set(_ key: String, _ value: String) {
        self.entries.append((key, value))
    }

    /// Keys whose values must not be shown anywhere.
    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return lower.contains("password") || lower.contains("secret")
    }

    /// "key=value" pairs for a debug log, secrets replaced by "[redacted]".
    var redactedDescription: String {
        self.entries.map { "\($0.key)=\(Self.isSecret($0.key) ? "[redacted]" : $0.value)" }.joined(separator: " ")
    }

    /// A new conf the caller owns (until `rd_kafka_new` takes it).
    func makeConf() throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "cannot allocate a librdkafka configuration")
        }
        for (key, value) in self.entries {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                // librdkafka's text quotes the value, so secrets only get the key named.
                let detail = Self.isSecret(key) ? "invalid value" : CString.string(errorText)
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "client property '\(key)': \(detail)")
            }
        }
        return conf
    }
}
