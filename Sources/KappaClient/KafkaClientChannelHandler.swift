import CRdKafka
import NIOCore

/// The end of a raw client connection's pipeline (after TLS, if any): frames responses (int32 size + body)
/// and hands each to the oldest waiting request, since a Kafka broker answers a connection's requests in
/// order. A failure fails every waiting request and closes the connection, which cannot be trusted after it.
/// Lives on the channel's event loop only.
final class KafkaClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    /// A framed request and the promise its response frame (after the size) completes.
    struct Request: Sendable {
        var bytes: ByteBuffer
        var response: EventLoopPromise<ByteBuffer>
    }

    static let maxFrameSize = 256 << 20

    private let peer: String
    private var waiting = CircularBuffer<EventLoopPromise<ByteBuffer>>()
    private var received: ByteBuffer?
    private var failure: Error?

    init(peer: String) {
        self.peer = peer
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        if let failure = self.failure {
            request.response.fail(failure)
            promise?.fail(failure)
            return
        }
        self.waiting.append(request.response)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { request.response.fail($0) }
        written.futureResult.cascade(to: promise)
        context.write(self.wrapOutboundOut(request.bytes), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if self.received == nil { self.received = bytes } else { self.received?.writeBuffer(&bytes) }
        while var buffer = self.received, let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) {
            guard size >= 4, Int(size) <= Self.maxFrameSize else {
                self.fail(context: context, KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "bad response size \(size) from \(self.peer)"))
                return
            }
            guard buffer.readableBytes >= 4 + Int(size) else { break }
            buffer.moveReaderIndex(forwardBy: 4)
            guard let frame = buffer.readSlice(length: Int(size)) else { break }
            self.received = buffer.readableBytes > 0 ? buffer : nil
            guard let promise = self.waiting.popFirst() else {
                self.fail(context: context, KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "\(self.peer) sent an answer nobody asked for"))
                return
            }
            promise.succeed(frame)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail(context: context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = self.failure ?? KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "\(self.peer) closed the connection")
        self.failure = error
        self.failWaiting(error)
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, _ error: Error) {
        if self.failure == nil { self.failure = error }
        self.failWaiting(error)
        context.close(promise: nil)
    }

    private func failWaiting(_ error: Error) {
        while let promise = self.waiting.popFirst() { promise.fail(error) }
    }
}
