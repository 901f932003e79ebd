import NIOCore

/// Splits the byte stream of a connection into Kafka frames: an int32 size, then that many bytes.
/// A size that is negative or above `maxFrameSize` is an error before any of the body is buffered,
/// so a client declaring 2 GiB costs four bytes of memory, not two gigabytes.
public struct KafkaFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maxFrameSize: Int

    public init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 0, Int(size) <= self.maxFrameSize else {
            throw FrameError.invalidSize(Int(size), limit: self.maxFrameSize)
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(size)) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw FrameError.truncated(buffered: buffer.readableBytes)
        }
        return .needMoreData
    }
}

/// Why a connection's framing broke; the connection is closed after it is logged.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case invalidSize(Int, limit: Int)
    case truncated(buffered: Int)

    public var description: String {
        switch self {
        case .invalidSize(let size, let limit): return "frame size \(size) outside 0...\(limit)"
        case .truncated(let buffered): return "connection closed inside a frame (\(buffered) bytes buffered)"
        }
    }
}
