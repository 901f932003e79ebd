import NIOCore

/// Maps offsets to file positions in one segment (Kafka's `OffsetIndex`): an entry every
/// `indexIntervalBytes` of log, so a read seeks close to its batch and scans only a few headers.
typealias OffsetIndex = IndexFile<OffsetPosition>

/// One offset-index entry: a batch's base offset relative to the segment, and where it starts.
struct OffsetPosition: IndexEntry {
    static let size = 8
    /// `baseOffset - segment.baseOffset` of the indexed batch.
    let relativeOffset: Int32
    /// Byte position of that batch in the segment's `.log` file.
    let position: Int32

    init(relativeOffset: Int32, position: Int32) {
        self.relativeOffset = relativeOffset
        self.position = position
    }

    init(reading buffer: ByteBuffer, at index: Int) {
        self.relativeOffset = buffer.getInteger(at: index, as: Int32.self) ?? 0
        self.position = buffer.getInteger(at: index + 4, as: Int32.self) ?? 0
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.relativeOffset)
        buffer.writeInteger(self.position)
    }
}

extension IndexFile where Entry == OffsetPosition {
    /// The entry with the largest offset <= `relativeOffset` ("floor"), or `nil` if the target
    /// precedes every entry (then a scan starts at position 0).
    func lookup(relativeOffset: Int64) -> OffsetPosition? {
        self.lastIndex { Int64($0.relativeOffset) <= relativeOffset }.map { self.entries[$0] }
    }

    /// Why the entries cannot belong to a log of `logSize` bytes, or `nil` if they can:
    /// offsets and positions must strictly increase and every position must be inside the log.
    func inconsistency(logSize: Int64) -> String? {
        var previous: OffsetPosition?
        for (number, entry) in self.entries.enumerated() {
            if entry.relativeOffset < 0 || entry.position < 0 || Int64(entry.position) >= logSize {
                return "entry \(number) (offset +\(entry.relativeOffset), position \(entry.position)) is outside the "
                    + "\(logSize)-byte log"
            }
            if let previous, entry.relativeOffset <= previous.relativeOffset || entry.position <= previous.position {
                return "entry \(number) (offset +\(entry.relativeOffset), position \(entry.position)) is out of order"
            }
            previous = entry
        }
        return nil
    }
}
