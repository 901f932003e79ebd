#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KappaBroker
import KappaWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaServer

/// Large Fetch answers leave their record bytes in the log files and are written as file regions
/// (`sendfile` on a socket); the bytes on the wire must be exactly those of the copied answer.
@Suite struct FetchFileRegionTests {
    /// Stands in for the socket: turns each file region into the bytes `sendfile` would send,
    /// read while the region's handle is still open, and counts the regions.
    final class RegionReader: ChannelOutboundHandler {
        typealias OutboundIn = IOData
        typealias OutboundOut = ByteBuffer
        var regions = 0

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            switch Self.unwrapOutboundIn(data) {
            case .byteBuffer(let buffer):
                context.write(Self.wrapOutboundOut(buffer), promise: promise)
            case .fileRegion(let region):
                self.regions += 1
                var bytes = ByteBuffer()
                do {
                    _ = try region.fileHandle.withUnsafeFileDescriptor { descriptor in
                        bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: region.readableBytes) { raw in
                            max(0, pread(descriptor, raw.baseAddress, region.readableBytes, off_t(region.readerIndex)))
                        }
                    }
                } catch {
                    promise?.fail(error)
                    return
                }
                context.write(Self.wrapOutboundOut(bytes), promise: promise)
            }
        }
    }

    let directory: String
    let broker: Broker

    init() throws {
        self.directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kappa-server-tests-\(UUID().uuidString)").path
        var config = BrokerConfig()
        config.dataDirectory = self.directory
        self.broker = try Broker(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    private func connection(sendsFileRegions: Bool, to broker: Broker? = nil) throws -> (EmbeddedChannel, RegionReader) {
        let channel = EmbeddedChannel()
        let reader = RegionReader()
        try channel.pipeline.syncOperations.addHandler(reader)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: 1 << 24)))
        try channel.pipeline.syncOperations.addHandler(
            KafkaConnectionHandler(broker: broker ?? self.broker, logger: Logger(label: "test"),
                                   sendsFileRegions: sendsFileRegions))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9999)).wait()
        return (channel, reader)
    }

    /// Every byte written for one request, as the client would read it.
    private func exchange(_ channel: EmbeddedChannel, _ frame: ByteBuffer) throws -> ByteBuffer {
        try channel.writeInbound(frame)
        channel.embeddedEventLoop.run()
        var all = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&part) }
        return all
    }

    /// Produces `batches` batches of 100 records with 300-byte values to `topic`, partition `partition`.
    private func produce(_ channel: EmbeddedChannel, topic: String, partition: Int32, batches: Int) throws {
        for b in 0..<batches {
            var builder = RecordBatchBuilder()
            for i in 0..<100 {
                let value = "p\(partition)-b\(b)-\(i)-" + String(repeating: "x", count: 300)
                builder.append(key: nil, value: Array(value.utf8), timestamp: 1)
            }
            let request = ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [
                .init(name: topic, partitionData: [.init(index: partition, records: builder.build())])
            ])
            var reply = try self.exchange(channel, requestFrame(RequestHeader(apiKey: 0, apiVersion: 7, correlationId: 1,
                                                                              clientId: "t"), request))
            _ = reply.readInteger(as: Int32.self)
            _ = reply.readInteger(as: Int32.self)
            let response = try ProduceResponse(from: &reply, version: 7)
            #expect(response.responses.first?.partitionResponses.first?.errorCode == 0)
        }
    }

    private func fetch(version: Int16) -> ByteBuffer {
        let request = FetchRequest(replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 50 << 20, topics: [
            .init(topic: "big", partitions: [
                .init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20),
                .init(partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20),
                .init(partition: 2, fetchOffset: 150, partitionMaxBytes: 1 << 20),
            ])
        ])
        return requestFrame(RequestHeader(apiKey: 1, apiVersion: version, correlationId: 7, clientId: "t"), request)
    }

    @Test(arguments: [Int16(4), 11, 12])
    func aSplicedAnswerIsByteForByteTheCopiedOne(version: Int16) throws {
        defer {
            self.broker.shutdown()
            try? FileManager.default.removeItem(atPath: self.directory)
        }
        let (spliced, reader) = try self.connection(sendsFileRegions: true)
        let (copied, _) = try self.connection(sendsFileRegions: false)
        let create = CreateTopicsRequest(topics: [.init(name: "big", numPartitions: 3, replicationFactor: 1)], timeoutMs: 1000)
        _ = try self.exchange(spliced, requestFrame(RequestHeader(apiKey: 19, apiVersion: 4, correlationId: 1, clientId: "t"),
                                                    create))
        // Partition 0: ~130 KB (a region); 1: one small batch (copied); 2: read from offset 150 (a region).
        try self.produce(spliced, topic: "big", partition: 0, batches: 4)
        try self.produce(spliced, topic: "big", partition: 1, batches: 1)
        try self.produce(spliced, topic: "big", partition: 2, batches: 4)

        let wire = try self.exchange(spliced, self.fetch(version: version))
        #expect(reader.regions == 2)
        let expected = try self.exchange(copied, self.fetch(version: version))
        #expect(wire == expected)

        var frame = wire
        #expect(frame.readInteger(as: Int32.self).map(Int.init) == frame.readableBytes)
        #expect(frame.readInteger(as: Int32.self) == 7)
        if version >= 12 { _ = frame.readInteger(as: UInt8.self) }  // header v1 tagged fields
        let response = try FetchResponse(from: &frame, version: version)
        #expect(frame.readableBytes == 0)
        let partitions = try #require(response.responses.first?.partitions)
        let counts = try partitions.map { try RecordBatch.decodeAll(#require($0.records)).reduce(0) { $0 + $1.records.count } }
        #expect(counts == [400, 100, 300])
        let first = try RecordBatch.decodeAll(#require(partitions[2].records)).first
        #expect(first?.header.baseOffset == 100)
    }

    @Test func anAnswerStopsAtTheBrokersFetchMaxBytes() throws {
        defer {
            self.broker.shutdown()
            try? FileManager.default.removeItem(atPath: self.directory)
        }
        var config = BrokerConfig()
        config.dataDirectory = self.directory + "-capped"
        config.fetchMaxBytes = 100_000
        let capped = try Broker(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        defer {
            capped.shutdown()
            try? FileManager.default.removeItem(atPath: self.directory + "-capped")
        }
        let (channel, _) = try self.connection(sendsFileRegions: true, to: capped)
        let create = CreateTopicsRequest(topics: [.init(name: "big", numPartitions: 3, replicationFactor: 1)], timeoutMs: 1000)
        _ = try self.exchange(channel, requestFrame(RequestHeader(apiKey: 19, apiVersion: 4, correlationId: 1, clientId: "t"),
                                                    create))
        for partition: Int32 in 0..<3 { try self.produce(channel, topic: "big", partition: partition, batches: 4) }
        var frame = try self.exchange(channel, self.fetch(version: 11))
        _ = frame.readInteger(as: Int32.self)
        _ = frame.readInteger(as: Int32.self)
        let response = try FetchResponse(from: &frame, version: 11)
        let sizes = try #require(response.responses.first?.partitions).map { $0.records?.readableBytes ?? 0 }
        let batch = try #require(sizes.first) / 3
        // ~33 KB batches: three fit in 100,000 bytes; the next partition's first batch goes over the
        // rest of the budget (as Kafka's does), and nothing comes after it.
        #expect(sizes[0] <= 100_000 && sizes[0] > 90_000)
        #expect(sizes[1] == batch || sizes[1] == 0)
        #expect(sizes[2] == 0)
        #expect(sizes.reduce(0, +) < 100_000 + batch + 1)
    }
}
