import NIOCore
import NIOSSL

/// Clients often close a TLS connection without close_notify (librdkafka does on exit); that is an
/// ordinary end of a connection here, not an error worth a warning, so it is swallowed behind TLS.
final class TLSUncleanShutdownHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError {
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }
}
