import Foundation
import KappaClient
import Logging

/// A resolved cluster for one headless command: the client configuration plus the plumbing every
/// command needs (an admin client for the duration of a call, topic lookups, one-line errors).
struct Connection {
    var config: ClientConfig
    var clusterName: String
    let logger = Logger(label: "kappa.cli")

    var timeoutMs: Int32 { self.config.requestTimeoutMs }

    /// Runs `body` with an admin client that is closed afterwards; client errors become one line.
    func withAdmin<T>(_ body: (KafkaAdmin) throws -> T) throws -> T {
        let admin = try self.wrap { try KafkaAdmin(config: self.config, logger: self.logger) }
        do {
            let result = try self.wrap { try body(admin) }
            admin.close()
            return result
        } catch {
            AbandonedClients.keep(admin)
            throw error
        }
    }

    /// The topic as Metadata describes it; fails in one line when it does not exist.
    func topic(_ name: String, admin: KafkaAdmin) throws -> TopicInfo {
        let topics = try self.wrap { try admin.listTopics(timeoutMs: self.timeoutMs) }
        guard let topic = topics.first(where: { $0.name == name }) else {
            throw CommandFailure("topic '\(name)' does not exist")
        }
        return topic
    }

    /// Runs `body`, turning client and admin-runner errors into a `CommandFailure` that names the
    /// cluster when it could not be reached.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KafkaClientError {
            throw CommandFailure(self.describe(error))
        } catch let failure as AdminRunner.Failure {
            throw CommandFailure(failure.message)
        }
    }

    func describe(_ error: KafkaClientError) -> String {
        if error.name == "_UNSUPPORTED_FEATURE" {
            return "\(error.description): this cluster does not offer that request"
        }
        let unreachable: Set<String> = ["_TIMED_OUT", "_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE", "_DESTROY"]
        guard unreachable.contains(error.name) else { return error.description }
        let cluster =
            self.clusterName == self.config.bootstrapServers
            ? self.config.bootstrapServers : "\(self.clusterName) (\(self.config.bootstrapServers))"
        return "\(error.description); cluster \(cluster)"
    }
}
