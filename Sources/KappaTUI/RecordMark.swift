/// How Browse marks a record of a transaction (from a raw Fetch; librdkafka hides all of this).
public enum RecordMark: String, Equatable, Sendable {
    /// Its transaction was aborted: read_committed consumers never see it.
    case aborted
    /// Its transaction is still open: read_committed consumers wait at the LSO.
    case open
    /// A control record: the COMMIT marker that ended a transaction.
    case commitMarker = "COMMIT"
    /// A control record: the ABORT marker that ended a transaction.
    case abortMarker = "ABORT"

    public var isMarker: Bool { self == .commitMarker || self == .abortMarker }
}
