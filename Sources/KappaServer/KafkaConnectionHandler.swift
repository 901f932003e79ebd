import DequeModule
import KappaBroker
import KappaWire
import Logging
import NIOCore

/// Answers the frames of one connection strictly in order: the next request is decoded only after
/// the previous one's response has been written, as Kafka mutes a channel while a request is in
/// progress. Clients match responses to requests by position, so order is part of the protocol.
final class KafkaConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Clients pipeline a handful of requests; a connection that queues far more is not a Kafka client.
    static let maxQueuedFrames = 1024

    private let broker: Broker
    private let logger: Logger
    private var connection: ClientConnection?
    private var queued = Deque<ByteBuffer>()
    private var inFlight = false
    private var closing = false
    /// With SASL on, every frame passes the gate before the broker sees it.
    private let gate: SaslGate?

    init(broker: Broker, logger: Logger, sasl: SaslAuthenticator? = nil) {
        self.broker = broker
        self.logger = logger
        self.gate = sasl.map(SaslGate.init(authenticator:))
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.remoteAddress
        let connection = ClientConnection(host: remote?.ipAddress ?? "unknown", port: remote?.port)
        self.connection = connection
        self.broker.connectionOpened(connection)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection = self.connection {
            self.broker.connectionClosed(connection)
        }
        self.queued.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.closing else { return }
        self.queued.append(Self.unwrapInboundIn(data))
        if self.queued.count > Self.maxQueuedFrames {
            self.close(context: context, reason: "more than \(Self.maxQueuedFrames) requests queued")
            return
        }
        self.processNext(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.close(context: context, reason: "\(error)")
    }

    private func processNext(context: ChannelHandlerContext) {
        guard !self.inFlight, !self.closing, let connection = self.connection, var frame = self.queued.popFirst() else {
            return
        }
        if let gate = self.gate, gate.expectsBareToken {
            let verdict = gate.admitBareToken(frame, broker: self.broker, connection: connection)
            self.apply(verdict, header: nil, context: context)
            return
        }
        let header: RequestHeader
        do {
            header = try RequestHeader(from: &frame)
        } catch {
            self.close(context: context, reason: "bad request header: \(error)")
            return
        }
        if let gate = self.gate {
            let verdict = gate.admit(header: header, body: frame, broker: self.broker, connection: connection)
            if case .pass = verdict {} else {
                self.apply(verdict, header: header, context: context)
                return
            }
        }
        self.inFlight = true
        let reply = self.broker.handle(header: header, body: frame, connection: connection, eventLoop: context.eventLoop)
        reply.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            self.inFlight = false
            switch result {
            case .success(.response(let body)):
                self.write(context: context, header: header, body: body)
            case .success(.noResponse):
                break
            case .success(.close(let reason)):
                self.close(context: context, reason: reason)
                return
            case .failure(let error):
                self.close(context: context, reason: "\(header.apiName) v\(header.apiVersion) failed: \(error)")
                return
            }
            self.processNext(context: context)
        }
    }

    /// Carries out the SASL gate's answer to a frame it kept from the broker; answers are synchronous, so
    /// the order of responses is kept.
    private func apply(_ verdict: SaslGate.Verdict, header: RequestHeader?, context: ChannelHandlerContext) {
        switch verdict {
        case .pass:
            return
        case .answer(.response(let body)):
            if let header { self.write(context: context, header: header, body: body) }
        case .answer(.noResponse):
            break
        case .answer(.close(let reason)), .reject(let reason):
            self.close(context: context, reason: reason)
            return
        case .answerThenClose(let reply, let reason):
            guard case .response(let body) = reply, let header else {
                self.close(context: context, reason: reason)
                return
            }
            self.closing = true
            self.queued.removeAll()
            self.logger.warning("closing connection from \(self.connection?.description ?? "a client"): \(reason)")
            self.write(context: context, header: header, body: body).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        case .bareToken(let bytes):
            var out = context.channel.allocator.buffer(capacity: 4 + bytes.count)
            out.writeInteger(Int32(bytes.count))
            out.writeBytes(bytes)
            context.writeAndFlush(Self.wrapOutboundOut(out), promise: nil)
        }
        self.processNext(context: context)
    }

    @discardableResult
    private func write(
        context: ChannelHandlerContext, header: RequestHeader, body: ByteBuffer
    ) -> EventLoopFuture<Void> {
        var body = body
        let headerVersion = ResponseHeader.headerVersion(apiKey: header.apiKey, apiVersion: header.apiVersion)
        var out = context.channel.allocator.buffer(capacity: 9 + body.readableBytes)
        out.writeInteger(Int32(0))
        ResponseHeader(correlationId: header.correlationId).write(to: &out, headerVersion: headerVersion)
        out.writeBuffer(&body)
        out.setInteger(Int32(out.readableBytes - 4), at: out.readerIndex)
        return context.writeAndFlush(Self.wrapOutboundOut(out))
    }

    private func close(context: ChannelHandlerContext, reason: String) {
        guard !self.closing else { return }
        self.closing = true
        self.queued.removeAll()
        let who = self.connection?.description ?? "a client"
        self.logger.warning("closing connection from \(who): \(reason)")
        context.close(promise: nil)
    }
}

extension RequestHeader {
    var apiName: String { ApiKey(rawValue: self.apiKey)?.name ?? "API \(self.apiKey)" }
}
