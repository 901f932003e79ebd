/// Which records Consumer-Term's consumer reads (librdkafka's `isolation.level`): only those of committed
/// transactions, or also those of open and aborted ones.
public enum IsolationLevel: String, Equatable, Sendable, CaseIterable {
    /// Kafka's and librdkafka's default: reads stop at the last stable offset, aborted records are skipped.
    case readCommitted = "read_committed"
    case readUncommitted = "read_uncommitted"
}
