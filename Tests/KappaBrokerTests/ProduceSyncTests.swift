import Dispatch
import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import KappaBroker

/// Where produces wait for the disk: with `--flush always` the answer waits for the sync, which
/// runs on the broker's `LogFlusher`; with an interval policy nothing a produce does waits for it.
@Suite struct ProduceSyncTests {
    let root = TestDirectory()
    let loop = NIOAsyncTestingEventLoop()

    private func broker(flush: FlushPolicy) throws -> Broker {
        var config = BrokerConfig()
        config.dataDirectory = self.root.path
        config.log.flush = flush
        return try Broker(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    private func produce(_ broker: Broker, records: Int, to topic: String = "t") -> EventLoopFuture<BrokerReply> {
        var builder = RecordBatchBuilder()
        for i in 0..<records { builder.append(key: nil, value: Array("v\(i)".utf8), timestamp: 1) }
        let request = ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [
            .init(name: topic, partitionData: [.init(index: 0, records: builder.build())])
        ])
        return broker.produce(request, version: 7, eventLoop: self.loop)
    }

    private func partitionResponse(_ reply: BrokerReply) throws
        -> ProduceResponse.TopicProduceResponse.PartitionProduceResponse
    {
        guard case .response(var body) = reply else { throw TestError("no response") }
        let response = try ProduceResponse(from: &body, version: 7)
        return try #require(response.responses.first?.partitionResponses.first)
    }

    /// Occupies the flusher's queue (like a slow fdatasync) until the returned semaphore is signalled.
    private func blockFlusher(_ broker: Broker) -> DispatchSemaphore {
        let release = DispatchSemaphore(value: 0)
        broker.flusher.async { release.wait() }
        return release
    }

    @Test func alwaysAnswersOnlyAfterTheSync() async throws {
        let broker = try self.broker(flush: .always)
        defer { broker.shutdown() }
        let release = self.blockFlusher(broker)
        let answered = Mutex(false)
        let first = self.produce(broker, records: 3)
        let second = self.produce(broker, records: 2)
        first.whenComplete { _ in answered.withLock { $0 = true } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!answered.withLock { $0 }, "a produce was answered before its records were synced")

        release.signal()
        let firstAnswer = try self.partitionResponse(try await first.get())
        let secondAnswer = try self.partitionResponse(try await second.get())
        #expect((firstAnswer.errorCode, firstAnswer.baseOffset) == (0, 0))
        #expect((secondAnswer.errorCode, secondAnswer.baseOffset) == (0, 3))
        let partition = try #require(broker.topics.partition("t", 0))
        #expect(partition.syncedOffset == 5)
    }

    @Test func intervalAnswersWhileTheFlusherIsBusy() async throws {
        let broker = try self.broker(flush: .interval(milliseconds: 1000))
        defer { broker.shutdown() }
        let release = self.blockFlusher(broker)
        defer { release.signal() }
        let answer = try self.partitionResponse(try await self.produce(broker, records: 2).get())
        #expect((answer.errorCode, answer.baseOffset) == (0, 0))
        let partition = try #require(broker.topics.partition("t", 0))
        #expect(partition.syncedOffset == 0, "nothing synced yet: the produce did not wait for the disk")
    }

    @Test func maintenanceFlushesOnTheFlusher() async throws {
        let broker = try self.broker(flush: .interval(milliseconds: 10))
        defer { broker.shutdown() }
        broker.startMaintenance(on: self.loop)
        _ = try await self.produce(broker, records: 4).get()
        let partition = try #require(broker.topics.partition("t", 0))
        for _ in 0..<200 where partition.syncedOffset < 4 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(partition.syncedOffset == 4)
    }

    @Test func shutdownAnswersProducesWaitingForASync() async throws {
        let broker = try self.broker(flush: .always)
        let release = self.blockFlusher(broker)
        let waiting = self.produce(broker, records: 1)
        // Shutdown waits for the flusher's current work; let it go once shutdown has begun.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { release.signal() }
        broker.shutdown()
        let answer = try self.partitionResponse(try await waiting.get())
        #expect(answer.errorCode == 0, "the close synced the record")
    }
}

/// A fresh directory path under the temporary directory, removed with everything in it when released.
final class TestDirectory: Sendable {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("kappa-broker-tests-\(UUID().uuidString)").path

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
