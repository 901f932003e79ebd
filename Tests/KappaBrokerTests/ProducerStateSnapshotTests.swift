import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaBroker

/// A clean shutdown leaves the idempotent-producer table in a snapshot so the next start need not
/// read every batch header; a retry after the restart is still answered with its original offset.
@Suite struct ProducerStateSnapshotTests {
    let root = TestDirectory()
    let loop = NIOAsyncTestingEventLoop()

    private var snapshotPath: String { "\(self.root.path)/t-0/\(ProducerStateSnapshot.fileName)" }

    private func broker() throws -> Broker {
        var config = BrokerConfig()
        config.dataDirectory = self.root.path
        return try Broker(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// One idempotent batch of producer 7, epoch 0, sequences `sequence..<sequence+records`.
    private func produce(_ broker: Broker, sequence: Int32, records: Int = 3) async throws -> (Int16, Int64) {
        var builder = RecordBatchBuilder()
        builder.producerId = 7
        builder.producerEpoch = 0
        builder.baseSequence = sequence
        for i in 0..<records { builder.append(key: nil, value: Array("v\(i)".utf8), timestamp: 1) }
        let request = ProduceRequest(acks: -1, timeoutMs: 1000, topicData: [
            .init(name: "t", partitionData: [.init(index: 0, records: builder.build())])
        ])
        guard case .response(var body) = try await broker.produce(request, version: 7, eventLoop: self.loop).get() else {
            throw TestError("no response")
        }
        let response = try ProduceResponse(from: &body, version: 7)
        let partition = try #require(response.responses.first?.partitionResponses.first)
        return (partition.errorCode, partition.baseOffset)
    }

    @Test func aRetryAfterACleanRestartGetsItsOriginalOffsetFromTheSnapshot() async throws {
        do {
            // Released at the end of the block, and with it the data directory's lock.
            let first = try self.broker()
            #expect(try await self.produce(first, sequence: 0) == (0, 0))
            #expect(try await self.produce(first, sequence: 3) == (0, 3))
            first.shutdown()
        }
        #expect(FileManager.default.fileExists(atPath: self.snapshotPath))

        let second = try self.broker()
        defer { second.shutdown() }
        #expect(!FileManager.default.fileExists(atPath: self.snapshotPath), "a snapshot is used once")
        #expect(try await self.produce(second, sequence: 3) == (0, 3), "the retried batch is not written twice")
        #expect(try await self.produce(second, sequence: 6) == (0, 6))
        #expect(try await self.produce(second, sequence: 10).0 == ErrorCode.outOfOrderSequenceNumber.rawValue)
    }

    @Test func aSnapshotThatDoesNotMatchTheLogEndIsIgnored() async throws {
        do {
            let first = try self.broker()
            #expect(try await self.produce(first, sequence: 0) == (0, 0))
            first.shutdown()
        }
        // As if records were appended after the snapshot was written: its state must not be trusted.
        let stale = ProducerStateSnapshot(table: ProducerStateTable(), logEndOffset: 99)
        try stale.write(to: "\(self.root.path)/t-0")

        let second = try self.broker()
        defer { second.shutdown() }
        #expect(try await self.produce(second, sequence: 0) == (0, 0), "state read from the log: a duplicate")
    }

    @Test func aMatchingSnapshotIsLoadedInsteadOfReadingTheLog() async throws {
        do {
            let first = try self.broker()
            #expect(try await self.produce(first, sequence: 0) == (0, 0))
            first.shutdown()
        }
        // The log says producer 7 is at epoch 0; a snapshot for the same log end says epoch 5. Only a
        // broker that took its state from the snapshot fences epoch 0.
        var snapshot = try JSONDecoder().decode(ProducerStateSnapshot.self,
                                                from: try Data(contentsOf: URL(fileURLWithPath: self.snapshotPath)))
        #expect(snapshot.logEndOffset == 3)
        snapshot.producers[0].epoch = 5
        try snapshot.write(to: "\(self.root.path)/t-0")

        let second = try self.broker()
        defer { second.shutdown() }
        #expect(try await self.produce(second, sequence: 3).0 == ErrorCode.invalidProducerEpoch.rawValue)
    }
}
