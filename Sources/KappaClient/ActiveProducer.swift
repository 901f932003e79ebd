/// A producer with state on a partition (DescribeProducers, KIP-664).
public struct ActiveProducer: Equatable, Sendable {
    public var producerId: Int64
    public var producerEpoch: Int32
    public var lastSequence: Int32
    public var lastTimestamp: Int64
    public var coordinatorEpoch: Int32
    /// First offset of the producer's open transaction on the partition; -1 when none is open.
    public var currentTxnStartOffset: Int64
}
