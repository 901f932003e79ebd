import KappaLog
import KappaWire

extension Broker {
    /// IncrementalAlterConfigs' operations (Kafka's `AlterConfigOp.OpType`).
    enum ConfigOperation: Int8 {
        case set = 0, delete = 1, append = 2, subtract = 3

        var name: String {
            switch self {
            case .set: return "SET"
            case .delete: return "DELETE"
            case .append: return "APPEND"
            case .subtract: return "SUBTRACT"
            }
        }
    }

    /// A refused change: the error code and the message naming what was wrong.
    struct ConfigChangeError: Error {
        var code: ErrorCode
        var message: String
    }

    /// AlterConfigs (what librdkafka's admin API sends): the given configs replace every override
    /// of the resource, so a config left out returns to its default.
    func alterConfigs(_ request: AlterConfigsRequest, version: Int16) -> BrokerReply {
        let responses = request.resources.map { resource -> AlterConfigsResponse.AlterConfigsResourceResponse in
            let (code, message) = self.changeConfigs(
                type: resource.resourceType, name: resource.resourceName, validateOnly: request.validateOnly
            ) { _ in
                var next: [String: String] = [:]
                for config in resource.configs {
                    guard next[config.name] == nil else {
                        throw ConfigChangeError(code: .invalidRequest, message: "config '\(config.name)' is given twice")
                    }
                    guard let value = config.value else {
                        throw ConfigChangeError(code: .invalidConfig, message: "config '\(config.name)' has no value")
                    }
                    next[config.name] = value
                }
                return next
            }
            return .init(errorCode: code.rawValue, errorMessage: message, resourceType: resource.resourceType,
                         resourceName: resource.resourceName)
        }
        return self.reply(AlterConfigsResponse(throttleTimeMs: 0, responses: responses), version: version)
    }

    /// IncrementalAlterConfigs (what kafka-configs.sh and Kafka's Admin send): SET and DELETE one
    /// override each; APPEND and SUBTRACT add items to or remove them from a list config, starting
    /// from the value in force. The whole resulting set is validated before anything changes.
    func incrementalAlterConfigs(_ request: IncrementalAlterConfigsRequest, version: Int16) -> BrokerReply {
        // Read before any lock is taken: the update closures run under the registry's or the broker
        // defaults' lock, and the defaults in force come from the latter.
        let base = self.topics.baseLogConfig
        let responses = request.resources.map { resource -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse in
            let (code, message) = self.changeConfigs(
                type: resource.resourceType, name: resource.resourceName, validateOnly: request.validateOnly
            ) { current in
                var next = current
                var seen = Set<String>()
                for change in resource.configs {
                    guard seen.insert(change.name).inserted else {
                        throw ConfigChangeError(code: .invalidRequest, message: "config '\(change.name)' is given twice")
                    }
                    guard let operation = ConfigOperation(rawValue: change.configOperation) else {
                        throw ConfigChangeError(code: .invalidRequest,
                                                message: "unknown operation \(change.configOperation) on config '\(change.name)'")
                    }
                    switch operation {
                    case .set:
                        guard let value = change.value else {
                            throw ConfigChangeError(code: .invalidConfig, message: "SET of config '\(change.name)' has no value")
                        }
                        next[change.name] = value
                    case .delete:
                        next.removeValue(forKey: change.name)
                    case .append, .subtract:
                        guard let inForce = Self.listValue(change.name, resourceType: resource.resourceType, overrides: next,
                                                           base: base)
                        else {
                            throw ConfigChangeError(
                                code: .invalidConfig,
                                message: "\(operation.name) is only for list configs; '\(change.name)' is not one")
                        }
                        let items = Self.listItems(change.value ?? "")
                        var list = Self.listItems(inForce)
                        if operation == .append {
                            list += items.filter { !list.contains($0) }
                        } else {
                            list.removeAll { items.contains($0) }
                        }
                        next[change.name] = list.joined(separator: ",")
                    }
                }
                return next
            }
            return .init(errorCode: code.rawValue, errorMessage: message, resourceType: resource.resourceType,
                         resourceName: resource.resourceName)
        }
        return self.reply(IncrementalAlterConfigsResponse(throttleTimeMs: 0, responses: responses), version: version)
    }

    /// Applies `update` to the overrides of a topic or the dynamic defaults of a broker level and,
    /// unless `validateOnly`, stores the result and reconfigures the partitions it concerns.
    private func changeConfigs(
        type: Int8, name: String, validateOnly: Bool, _ update: ([String: String]) throws -> [String: String]
    ) -> (ErrorCode, String?) {
        do {
            switch type {
            case Self.topicResource:
                let configs = try self.topics.alterConfigs(name: name, validateOnly: validateOnly, update)
                if !validateOnly {
                    self.logger.info("configs of topic '\(name)' are now \(Self.describe(configs))")
                }
            case Self.brokerResource:
                guard let level = self.brokerLevel(name) else {
                    return (.invalidRequest, "this cluster has one broker, node \(self.config.nodeId)")
                }
                let base = self.topics.staticLogConfig
                let next = try self.topics.brokerDefaults.update(level, validateOnly: validateOnly) { current in
                    let next = try update(current)
                    let problems = next.keys.sorted().compactMap { key in
                        next[key].flatMap { BrokerDefaults.validationError(key: key, value: $0, base: base) }
                    }
                    if !problems.isEmpty { throw ConfigChangeError(code: .invalidConfig, message: problems.joined(separator: "; ")) }
                    return next
                }
                if validateOnly { return (.none, nil) }
                self.topics.reconfigureAll()
                let which = level == .cluster ? "cluster-wide" : "broker \(self.config.nodeId)"
                self.logger.info("\(which) topic defaults are now \(Self.describe(next))")
            default:
                return (.invalidRequest, "unsupported resource type \(type)")
            }
            return (.none, nil)
        } catch let error as ConfigChangeError {
            return (error.code, error.message)
        } catch TopicRegistry.CreateError.invalid(let code, let message) {
            return (code, message)
        } catch {
            self.logger.error("changing configs of '\(name)' failed: \(error)")
            return (.kafkaStorageError, "\(error)")
        }
    }

    /// The value in force of a list config (what APPEND and SUBTRACT start from), or nil if
    /// `name` is not a list config of that resource.
    private static func listValue(_ name: String, resourceType: Int8, overrides: [String: String], base: LogConfig) -> String? {
        let entry = resourceType == Self.brokerResource ? BrokerDefaults.topicEntry(forBrokerKey: name) : TopicConfig.entry(name)
        guard let entry, entry.type == .list else { return nil }
        return overrides[name] ?? entry.value(base)
    }

    private static func listItems(_ value: String) -> [String] {
        value.split(separator: ",").map { TopicConfig.trimmed($0) }.filter { !$0.isEmpty }
    }

    private static func describe(_ configs: [String: String]) -> String {
        configs.isEmpty ? "the defaults" : configs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
