import Logging
import NIOCore

/// Says why the listener cannot accept (most often: out of file descriptors). NIO backs off and
/// retries by itself; without this line the clients would just hang with nothing in the log. At
/// most one line a second, since a full descriptor table fails every accept.
final class AcceptErrorLogger: ChannelInboundHandler {
    typealias InboundIn = any Channel

    private let logger: Logger
    private var lastLoggedAt: NIODeadline?
    private var suppressed = 0

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let now = NIODeadline.now()
        if let last = self.lastLoggedAt, now - last < .seconds(1) {
            self.suppressed += 1
        } else {
            let more = self.suppressed > 0 ? " (\(self.suppressed) more since the last line)" : ""
            self.logger.error("cannot accept connections: \(error)\(more)")
            self.lastLoggedAt = now
            self.suppressed = 0
        }
        context.fireErrorCaught(error)
    }
}
