import NIOCore
import NIOEmbedded
import Testing

@testable import KappaServer

@Suite struct KafkaFrameDecoderTests {
    private func channel(limit: Int = 1024) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: limit)))
        return channel
    }

    private func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    @Test func frameSplitAcrossReadsIsReassembled() throws {
        let channel = try self.channel()
        var bytes = self.frame([1, 2, 3, 4, 5, 6, 7])
        try channel.writeInbound(bytes.readSlice(length: 3)!)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(bytes.readSlice(length: 5)!)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(bytes)
        let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(Array(frame.readableBytesView) == [1, 2, 3, 4, 5, 6, 7])
        #expect(try channel.finish().isClean)
    }

    @Test func pipelinedFramesComeOutInOrder() throws {
        let channel = try self.channel()
        var both = self.frame([1])
        var second = self.frame([2, 2])
        both.writeBuffer(&second)
        try channel.writeInbound(both)
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [1])
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [2, 2])
    }

    @Test func oversizedFrameIsRejectedBeforeItsBodyArrives() throws {
        let channel = try self.channel(limit: 1024)
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(0x7FFF_FFFF))  // "2 GiB"
        #expect(throws: FrameError.invalidSize(0x7FFF_FFFF, limit: 1024)) { try channel.writeInbound(buffer) }
    }

    @Test func negativeSizeIsRejected() throws {
        let channel = try self.channel()
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(-5))
        #expect(throws: FrameError.invalidSize(-5, limit: 1024)) { try channel.writeInbound(buffer) }
    }

    @Test func closingInsideAFrameIsReported() throws {
        let channel = try self.channel()
        var bytes = self.frame([1, 2, 3, 4])
        try channel.writeInbound(bytes.readSlice(length: 6)!)
        #expect(throws: FrameError.truncated(buffered: 6)) { _ = try channel.finish() }
    }
}
