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

    /// The fuzz target's reference check in small: however the stream is cut into reads (one byte
    /// at a time, as a trickling client sends, up to all at once), the same frames come out.
    @Test(arguments: 1...12)
    func everyReadSizeYieldsTheSameFrames(readSize: Int) throws {
        let bodies: [[UInt8]] = [[], [7], Array(0..<40), [1, 2, 3]]
        var stream: [UInt8] = []
        for body in bodies {
            var framed = self.frame(body)
            stream += framed.readBytes(length: framed.readableBytes) ?? []
        }
        let channel = try self.channel()
        var frames: [[UInt8]] = []
        for start in stride(from: 0, to: stream.count, by: readSize) {
            try channel.writeInbound(ByteBuffer(bytes: stream[start..<min(start + readSize, stream.count)]))
            while let frame = try channel.readInbound(as: ByteBuffer.self) {
                frames.append(Array(frame.readableBytesView))
            }
        }
        #expect(frames == bodies)
        #expect(try channel.finish().isClean)
    }

    /// A size is judged when its fourth byte arrives, not before, and nothing after it is read.
    @Test func oversizedSizeArrivingByteByByteIsRejectedOnItsLastByte() throws {
        let channel = try self.channel(limit: 1024)
        let size: [UInt8] = [0x00, 0x00, 0x04, 0x01]  // 1025
        for byte in size.dropLast() {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(throws: FrameError.invalidSize(1025, limit: 1024)) {
            try channel.writeInbound(ByteBuffer(bytes: [size[3]]))
        }
    }
}
