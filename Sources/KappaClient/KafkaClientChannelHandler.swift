import CRdKafka
import Foundation
import NIOCore
import NIOSSL
import Synchronization

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

    /// The first failure of the connection, kept where the connection can read it after the pipeline is
    /// gone: a write issued after a fast failure (a refused TLS handshake) only learns "closed".
    final class FirstFailure: Sendable {
        private let value = Mutex<KafkaClientError?>(nil)

        var error: KafkaClientError? { self.value.withLock { $0 } }

        func record(_ error: KafkaClientError) {
            self.value.withLock { if $0 == nil { $0 = error } }
        }
    }

    static let maxFrameSize = 256 << 20

    private let peer: String
    private let firstFailure: FirstFailure
    private var waiting = CircularBuffer<EventLoopPromise<ByteBuffer>>()
    private var received: ByteBuffer?
    private var failure: KafkaClientError?

    init(peer: String, firstFailure: FirstFailure) {
        self.peer = peer
        self.firstFailure = firstFailure
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
                // A TLS record (alert 0x15 or handshake 0x16, version 0x03..) where a Kafka size should be.
                let tls = (0x1503_0000...0x1603_FFFF).contains(size)
                let message =
                    tls
                    ? "\(self.peer) answered in TLS: it needs security.protocol SSL or SASL_SSL"
                    : "bad response size \(size) from \(self.peer)"
                self.fail(context: context, KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, message))
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
        self.firstFailure.record(error)
        self.failWaiting(error)
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, _ error: Error) {
        let mapped = Self.clientError(error, peer: self.peer)
        if self.failure == nil { self.failure = mapped }
        self.firstFailure.record(mapped)
        self.failWaiting(mapped)
        context.close(promise: nil)
    }

    private func failWaiting(_ error: Error) {
        while let promise = self.waiting.popFirst() { promise.fail(error) }
    }

    /// One line for what went wrong on the wire; TLS failures say so, since they are usually settings.
    static func clientError(_ error: Error, peer: String) -> KafkaClientError {
        if let error = error as? KafkaClientError { return error }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            let text = String(describing: error)
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return KafkaClientError(
                    RD_KAFKA_RESP_ERR__SSL,
                    "TLS handshake with \(peer) failed: its certificate is not signed by a trusted CA (ssl.ca.location)")
            }
            if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
                return KafkaClientError(
                    RD_KAFKA_RESP_ERR__SSL,
                    "TLS handshake with \(peer) failed: its certificate does not name that host "
                        + "(ssl.endpoint.identification.algorithm)")
            }
            return KafkaClientError(RD_KAFKA_RESP_ERR__SSL, "TLS with \(peer) failed: \(text)")
        }
        if let error = error as? ChannelError, error == .ioOnClosedChannel || error == .eof || error == .alreadyClosed {
            return KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "\(peer) closed the connection")
        }
        return KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "lost \(peer): \(Self.text(error))")
    }

    /// An errno's words for socket errors, the error's description otherwise.
    static func text(_ error: Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
