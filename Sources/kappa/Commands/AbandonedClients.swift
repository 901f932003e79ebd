import KappaClient
import Synchronization

/// Clients a failed command leaves to process exit instead of closing them: librdkafka 2.0 can assert
/// while destroying a handle whose request the cluster did not support (DeleteGroups against the mock
/// cluster), which would bury the one-line reason under a crash report.
enum AbandonedClients {
    private static let clients = Mutex<[any Sendable]>([])

    static func keep(_ client: any Sendable) {
        Self.clients.withLock { $0.append(client) }
    }
}
