/// A partition's log start and end offsets (end = the offset the next record will get).
public struct PartitionSummary: Equatable, Sendable {
    public var partition: Int32
    public var startOffset: Int64
    public var endOffset: Int64

    public init(partition: Int32, startOffset: Int64, endOffset: Int64) {
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
    }

    /// Records currently held: what a reader from the start would see.
    public var messageCount: Int64 { max(0, self.endOffset - self.startOffset) }
}
