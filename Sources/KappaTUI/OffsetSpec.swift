/// Where `kafka-consumer-groups.sh --reset-offsets` moves a group's committed offsets.
public enum OffsetSpec: Equatable, Sendable {
    case earliest
    case latest
    /// Milliseconds since the Unix epoch; the first record at or after it.
    case datetime(Int64)
    case offset(Int64)
    /// Relative to the current committed offset; negative moves back.
    case shiftBy(Int64)
}
