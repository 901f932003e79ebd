import KappaBroker
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaServer

/// While a request is in progress the connection stops reading once a few frames wait, as Kafka
/// mutes a busy channel, and reads again when they have been answered.
@Suite struct KafkaConnectionBackpressureTests {
    /// Counts the reads that get past the connection handler towards the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            self.reads += 1
            context.read()
        }
    }

    let loop = EmbeddedEventLoop()
    let channel: EmbeddedChannel
    let counter = ReadCounter()

    init() throws {
        var config = BrokerConfig()
        config.dataDirectory = nil
        let broker = try Broker(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        self.channel = EmbeddedChannel(loop: self.loop)
        try self.channel.pipeline.syncOperations.addHandler(self.counter)
        try self.channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: 1 << 20)))
        try self.channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(broker: broker, logger: Logger(label: "test")))
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9999)).wait()
    }

    @Test func readingPausesBehindAParkedFetchAndResumesWhenItIsAnswered() throws {
        // A fetch of an empty topic (auto-created by Metadata) parks for its max wait of 500 ms.
        let metadata = MetadataRequest(topics: [.init(name: "empty")], allowAutoTopicCreation: true)
        try self.channel.writeInbound(requestFrame(RequestHeader(apiKey: 3, apiVersion: 4, correlationId: -1, clientId: "t"),
                                                 metadata))
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) != nil)
        let fetch = FetchRequest(replicaId: -1, maxWaitMs: 500, minBytes: 1, topics: [
            .init(topic: "empty", partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20)])
        ])
        try self.channel.writeInbound(requestFrame(RequestHeader(apiKey: 1, apiVersion: 4, correlationId: 0, clientId: "t"), fetch))
        for id in 1...KafkaConnectionHandler.readPauseFrames {
            let header = RequestHeader(apiKey: 18, apiVersion: 0, correlationId: Int32(id), clientId: "t")
            try self.channel.writeInbound(requestFrame(header, ApiVersionsRequest()))
        }
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil, "nothing is answered ahead of the fetch")
        let before = self.counter.reads
        self.channel.read()
        #expect(self.counter.reads == before, "a read got through while \(KafkaConnectionHandler.readPauseFrames) frames wait")

        // The broker computes the fetch deadline from the real clock; move the loop past it.
        self.loop.advanceTime(to: .now() + .seconds(1))
        var answered: [Int32] = []
        while var out = try self.channel.readOutbound(as: ByteBuffer.self) {
            _ = out.readInteger(as: Int32.self)
            if let correlation = out.readInteger(as: Int32.self) { answered.append(correlation) }
        }
        #expect(answered == Array(0...Int32(KafkaConnectionHandler.readPauseFrames)), "every request answered, in order")
        #expect(self.counter.reads == before + 1, "the held read went out once the queue drained")
    }
}
