import KappaClient
import Synchronization

/// Errors a consumer reports on the side (through librdkafka's error callback), collected for the
/// command's poll loop, which stops on the ones that will not heal by retrying.
final class ConsumerErrors: Sendable {
    /// librdkafka error names after which waiting longer cannot help.
    static let fatalNames: Set<String> = [
        "UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC", "_UNKNOWN_PARTITION", "TOPIC_AUTHORIZATION_FAILED",
        "GROUP_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "SASL_AUTHENTICATION_FAILED", "_AUTHENTICATION",
        "_SSL", "_FATAL", "_INVALID_ARG", "_AUTO_OFFSET_RESET", "INVALID_GROUP_ID", "GROUP_MAX_SIZE_REACHED",
    ]

    private let pending = Mutex<[String]>([])

    /// For `StreamConsumer(onError:)`: lines like "reason (NAME)".
    var callback: @Sendable (String) -> Void {
        { line in self.pending.withLock { $0.append(line) } }
    }

    /// The first collected error that is fatal, if any; the others are dropped (they are in the log).
    func takeFatal() -> String? {
        let lines = self.pending.withLock { lines in
            defer { lines.removeAll() }
            return lines
        }
        return lines.first { line in Self.fatalNames.contains { line.hasSuffix("(\($0))") } }
    }

    static func isFatal(_ error: KafkaClientError) -> Bool {
        Self.fatalNames.contains(error.name)
    }
}
