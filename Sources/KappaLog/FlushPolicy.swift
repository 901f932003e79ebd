/// When appended data is forced to stable storage with `fdatasync`.
///
/// Kafka relies on replication and leaves flushing to the OS; a single node has no replicas,
/// so the operator chooses between durability per write (`always`) and throughput (`interval`).
public enum FlushPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Sync every append before it is acknowledged. `PartitionLog.append` does not sync by itself:
    /// its owner flushes (`PartitionLog.beginFlush`) before answering, without holding the log's lock,
    /// so one sync can cover every append waiting for it (the broker's `LogFlusher`).
    case always
    /// Sync data at most this many milliseconds after it was appended (see `PartitionLog.flushIfDue`).
    case interval(milliseconds: Int64)

    /// Parses a command-line value: `always`, or a non-negative number of milliseconds.
    public init?(argument: String) {
        if argument == "always" {
            self = .always
        } else if let milliseconds = Int64(argument), milliseconds >= 0 {
            self = .interval(milliseconds: milliseconds)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .always: return "always"
        case .interval(let milliseconds): return "\(milliseconds)"
        }
    }
}
