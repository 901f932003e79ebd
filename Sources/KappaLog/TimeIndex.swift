import NIOCore

/// Maps timestamps to offsets in one segment (Kafka's `TimeIndex`), for ListOffsets by time.
///
/// Each entry records the largest batch `maxTimestamp` seen so far and the offset of the batch
/// that carried it; entries are appended with the offset-index entries, only when that maximum
/// grew, so both columns are monotonic. A segment that stops being active gets a final entry,
/// so its last entry is the segment's max timestamp.
typealias TimeIndex = IndexFile<TimestampOffset>

/// One time-index entry.
struct TimestampOffset: IndexEntry {
    static let size = 12
    /// Largest batch max-timestamp in the segment up to this entry.
    let timestamp: Int64
    /// Base offset, relative to the segment, of the batch that first reached `timestamp`.
    let relativeOffset: Int32

    init(timestamp: Int64, relativeOffset: Int32) {
        self.timestamp = timestamp
        self.relativeOffset = relativeOffset
    }

    init(reading buffer: ByteBuffer, at index: Int) {
        self.timestamp = buffer.getInteger(at: index, as: Int64.self) ?? 0
        self.relativeOffset = buffer.getInteger(at: index + 8, as: Int32.self) ?? 0
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.timestamp)
        buffer.writeInteger(self.relativeOffset)
    }
}

extension IndexFile where Entry == TimestampOffset {
    /// The last entry whose timestamp is strictly below `timestamp`. Every batch up to and
    /// including the one at its offset has a max timestamp below the target, so a search for the
    /// first batch reaching `timestamp` may start there. `nil`: start at the segment's beginning.
    func lastEntry(before timestamp: Int64) -> TimestampOffset? {
        self.lastIndex { $0.timestamp < timestamp }.map { self.entries[$0] }
    }

    /// Appends an entry if `timestamp` is larger than the last one (keeps the index monotonic).
    func maybeAppend(timestamp: Int64, relativeOffset: Int32) throws {
        guard timestamp > (self.last?.timestamp ?? -1) else { return }
        try self.append(TimestampOffset(timestamp: timestamp, relativeOffset: relativeOffset))
    }

    /// Why the entries are not a valid time index for offsets below `relativeEnd`, or `nil`.
    func inconsistency(relativeEnd: Int64?) -> String? {
        var previous: TimestampOffset?
        for (number, entry) in self.entries.enumerated() {
            if entry.relativeOffset < 0 || relativeEnd.map({ Int64(entry.relativeOffset) >= $0 }) == true {
                return "entry \(number) (timestamp \(entry.timestamp), offset +\(entry.relativeOffset)) is outside "
                    + "the segment"
            }
            if let previous, entry.timestamp <= previous.timestamp || entry.relativeOffset < previous.relativeOffset {
                return "entry \(number) (timestamp \(entry.timestamp), offset +\(entry.relativeOffset)) is out of order"
            }
            previous = entry
        }
        return nil
    }
}
