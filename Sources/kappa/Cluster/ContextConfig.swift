import ArgumentParser
import Foundation
import TOMLKit

/// Named clusters from `$XDG_CONFIG_HOME/kappa/config.toml` (default `~/.config/kappa/config.toml`):
///
///     default = "staging"            # optional; otherwise the built-in broker
///     [contexts.staging]
///     bootstrap = "kafka1:9092,kafka2:9092"
///     [contexts.staging.properties]
///     "security.protocol" = "SASL_SSL"
///     "sasl.mechanism" = "PLAIN"
struct ContextConfig: Sendable {
    static let builtinName = "builtin"

    struct Context: Sendable {
        var bootstrap: String
        var properties: [String: String]
    }

    var defaultContext: String?
    var contexts: [String: Context] = [:]

    static var path: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["KAPPA_CONFIG"], !explicit.isEmpty { return explicit }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/kappa/config.toml"
    }

    /// The config file, or an empty config when there is none.
    static func load(path: String = ContextConfig.path) throws -> ContextConfig {
        guard FileManager.default.fileExists(atPath: path) else { return ContextConfig() }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        return try self.parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> ContextConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw ValidationError("\(source): \(error)")
        }
        var config = ContextConfig()
        config.defaultContext = table["default"]?.string
        guard let contexts = table["contexts"]?.table else { return config }
        for (name, value) in contexts {
            guard let entry = value.table, let bootstrap = entry["bootstrap"]?.string else {
                throw ValidationError("\(source): context '\(name)' needs bootstrap = \"HOST:PORT\"")
            }
            var properties: [String: String] = [:]
            if let props = entry["properties"]?.table {
                for (key, value) in props {
                    if let string = value.string {
                        properties[key] = string
                    } else if let int = value.int {
                        properties[key] = String(int)
                    } else if let bool = value.bool {
                        properties[key] = bool ? "true" : "false"
                    } else {
                        throw ValidationError("\(source): property '\(key)' of context '\(name)' must be a string, number or boolean")
                    }
                }
            }
            config.contexts[name] = Context(bootstrap: bootstrap, properties: properties)
        }
        return config
    }
}
