import KappaWire
import Testing

@testable import KappaBroker

@Suite struct ProducerStateTableTests {
    private func batch(producer: Int64 = 7, epoch: Int16 = 0, sequence: Int32, count: Int32 = 1) -> RecordBatchHeader {
        RecordBatchHeader(baseOffset: 0, batchLength: 100, partitionLeaderEpoch: -1, crc: 0, attributes: 0,
                          lastOffsetDelta: count - 1, baseTimestamp: 0, maxTimestamp: 0, producerId: producer,
                          producerEpoch: epoch, baseSequence: sequence, recordCount: count)
    }

    @Test func nonIdempotentBatchesAlwaysAppend() {
        let table = ProducerStateTable()
        #expect(table.check(self.batch(producer: -1, epoch: -1, sequence: -1)) == .append)
    }

    @Test func sequencesMustBeContiguous() {
        var table = ProducerStateTable()
        #expect(table.check(self.batch(sequence: 0, count: 3)) == .append)
        table.record(self.batch(sequence: 0, count: 3), baseOffset: 10)
        #expect(table.check(self.batch(sequence: 3)) == .append)
        #expect(table.check(self.batch(sequence: 5)) == .reject(.outOfOrderSequenceNumber))
    }

    @Test func retriedBatchIsADuplicateWithItsOriginalOffset() {
        var table = ProducerStateTable()
        table.record(self.batch(sequence: 0, count: 3), baseOffset: 10)
        table.record(self.batch(sequence: 3, count: 2), baseOffset: 13)
        #expect(table.check(self.batch(sequence: 0, count: 3)) == .duplicate(baseOffset: 10))
        #expect(table.check(self.batch(sequence: 3, count: 2)) == .duplicate(baseOffset: 13))
    }

    @Test func onlyFiveBatchesAreRemembered() {
        var table = ProducerStateTable()
        for i in 0..<6 { table.record(self.batch(sequence: Int32(i)), baseOffset: Int64(i)) }
        #expect(table.check(self.batch(sequence: 0)) == .reject(.outOfOrderSequenceNumber))
        #expect(table.check(self.batch(sequence: 1)) == .duplicate(baseOffset: 1))
    }

    @Test func epochRules() {
        var table = ProducerStateTable()
        table.record(self.batch(epoch: 1, sequence: 0), baseOffset: 0)
        #expect(table.check(self.batch(epoch: 0, sequence: 1)) == .reject(.invalidProducerEpoch))
        #expect(table.check(self.batch(epoch: 2, sequence: 4)) == .reject(.outOfOrderSequenceNumber))
        #expect(table.check(self.batch(epoch: 2, sequence: 0)) == .append)
    }

    @Test func unknownProducerMayStartAnywhere() {
        let table = ProducerStateTable()
        #expect(table.check(self.batch(producer: 99, sequence: 42)) == .append)
    }
}
