/// A stored batch that cannot be served: its CRC does not match, its header is garbage, or it
/// claims more bytes than its segment holds. Found by a read (data on disk at open is checked the
/// first time it is served) or by recovery; `PartitionLog` logs it and turns it into
/// `LogError.corruptBatch`.
struct SegmentDamage: Error {
    /// Where the bad batch starts in the segment's `.log` file.
    var position: Int64
    /// The batch's offsets, if its header could be parsed.
    var offsets: ClosedRange<Int64>?
    var reason: String
    /// False when this batch was reported before (a consumer stuck on it retries every few
    /// hundred milliseconds; the log says so once).
    var isFirstReport: Bool
}
