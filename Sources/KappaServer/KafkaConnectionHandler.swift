import DequeModule
import KappaBroker
import KappaWire
import Logging
import NIOCore

/// Answers the frames of one connection in order. Clients match responses to requests by position,
/// so order is part of the protocol. Like Kafka, which mutes a channel while a request is in
/// progress, the next request is taken up only after the previous one is answered, with one
/// exception: Produce requests behind a Produce still in flight (waiting for its sync under
/// `--flush always`) are appended at once, so one sync covers them all; their answers still go out
/// in order. While requests wait, the handler stops reading: what a client sends beyond a few
/// frames stays in the socket buffers, not in the broker's memory.
final class KafkaConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Reading pauses while this many frames, or this many bytes, wait to be taken up. One read can
    /// still bring in many small frames (a producer at linger 0 pipelines thousands of 150-byte
    /// requests), so the queue is bounded by what a read delivers, and a client is never closed for
    /// sending fast: it only waits, as Kafka's muted channels make it wait.
    static let readPauseFrames = 8
    static let readPauseBytes = 4 << 20
    /// Produce requests appended ahead of their answers (librdkafka's idempotent limit is 5).
    static let maxPipelinedProduces = 16

    /// A request handed to the broker, in the order of the connection.
    private struct Dispatched {
        let header: RequestHeader
        let isProduce: Bool
        var outcome: Result<BrokerReply, any Error>?
    }

    private let broker: Broker
    private let logger: Logger
    private var connection: ClientConnection?
    private var queued = Deque<ByteBuffer>()
    private var queuedBytes = 0
    private var dispatched = Deque<Dispatched>()
    /// Ids of `dispatched` entries, so a completion finds its entry after earlier ones left the queue.
    private var firstDispatchedId = 0
    private var readPending = false
    private var closing = false
    /// With SASL on, every frame passes the gate before the broker sees it.
    private let gate: SaslGate?

    /// Whether record bytes may be written as file regions (`sendfile`): not under TLS.
    private let sendsFileRegions: Bool

    init(broker: Broker, logger: Logger, sasl: SaslAuthenticator? = nil, sendsFileRegions: Bool = true) {
        self.sendsFileRegions = sendsFileRegions
        self.broker = broker
        self.logger = logger
        self.gate = sasl.map(SaslGate.init(authenticator:))
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.remoteAddress
        let connection = ClientConnection(host: remote?.ipAddress ?? "unknown", port: remote?.port,
                                          acceptsFileRegions: self.sendsFileRegions)
        self.connection = connection
        self.broker.connectionOpened(connection)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection = self.connection {
            self.broker.connectionClosed(connection)
        }
        self.queued.removeAll()
        self.queuedBytes = 0
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.closing else { return }
        let frame = Self.unwrapInboundIn(data)
        self.queued.append(frame)
        self.queuedBytes += frame.readableBytes
        self.processNext(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.close(context: context, reason: "\(error)")
    }

    /// Holds back the next socket read while enough is waiting (NIO asks for one after every read).
    func read(context: ChannelHandlerContext) {
        if self.shouldPauseReading {
            self.readPending = true
        } else {
            context.read()
        }
    }

    private var shouldPauseReading: Bool {
        self.queued.count >= Self.readPauseFrames || self.queuedBytes >= Self.readPauseBytes
    }

    private func resumeReadingIfPaused(context: ChannelHandlerContext) {
        guard self.readPending, !self.shouldPauseReading, !self.closing else { return }
        self.readPending = false
        context.read()
    }

    /// Whether the next queued frame may be handed to the broker now.
    private var mayDispatchNext: Bool {
        guard let next = self.queued.first else { return false }
        if self.dispatched.isEmpty { return true }
        guard self.dispatched.count < Self.maxPipelinedProduces, self.gate?.isOpen ?? true,
            self.dispatched.allSatisfy(\.isProduce)
        else { return false }
        return next.getInteger(at: next.readerIndex, as: Int16.self) == ApiKey.produce.rawValue
    }

    private func processNext(context: ChannelHandlerContext) {
        while !self.closing, self.mayDispatchNext, self.dispatchNext(context: context) {}
        self.resumeReadingIfPaused(context: context)
    }

    /// Takes up the first queued frame; `false` when the caller must not go on (an answer is being
    /// written by the gate, which takes up the next frame itself, or the connection is closing).
    private func dispatchNext(context: ChannelHandlerContext) -> Bool {
        guard let connection = self.connection, var frame = self.queued.popFirst() else { return false }
        self.queuedBytes -= frame.readableBytes
        if let gate = self.gate, gate.expectsBareToken {
            let verdict = gate.admitBareToken(frame, broker: self.broker, connection: connection)
            self.apply(verdict, header: nil, context: context)
            return false
        }
        let header: RequestHeader
        do {
            header = try RequestHeader(from: &frame)
        } catch {
            self.close(context: context, reason: "bad request header: \(error)")
            return false
        }
        if let gate = self.gate {
            let verdict = gate.admit(header: header, body: frame, broker: self.broker, connection: connection)
            if case .pass = verdict {} else {
                self.apply(verdict, header: header, context: context)
                return false
            }
        }
        let id = self.firstDispatchedId + self.dispatched.count
        self.dispatched.append(Dispatched(header: header, isProduce: header.apiKey == ApiKey.produce.rawValue))
        let reply = self.broker.handle(header: header, body: frame, connection: connection, eventLoop: context.eventLoop)
        reply.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            self.complete(id: id, with: result, context: context)
        }
        return true
    }

    /// Records a request's outcome, then answers every request at the head that has one, in order.
    private func complete(id: Int, with result: Result<BrokerReply, any Error>, context: ChannelHandlerContext) {
        guard !self.closing, id >= self.firstDispatchedId, id - self.firstDispatchedId < self.dispatched.count else {
            return
        }
        self.dispatched[id - self.firstDispatchedId].outcome = result
        while let head = self.dispatched.first, let outcome = head.outcome {
            self.dispatched.removeFirst()
            self.firstDispatchedId += 1
            let header = head.header
            switch outcome {
            case .success(.response(let body)):
                self.write(context: context, header: header, body: body)
            case .success(.fileBacked(let response)):
                self.write(context: context, header: header, response: response)
            case .success(.noResponse):
                break
            case .success(.close(let reason)):
                self.close(context: context, reason: reason)
                return
            case .failure(let error):
                self.close(context: context, reason: "\(header.apiName) v\(header.apiVersion) failed: \(error)")
                return
            }
        }
        self.processNext(context: context)
    }

    /// Carries out the SASL gate's answer to a frame it kept from the broker; answers are synchronous, so
    /// the order of responses is kept.
    private func apply(_ verdict: SaslGate.Verdict, header: RequestHeader?, context: ChannelHandlerContext) {
        switch verdict {
        case .pass:
            return
        case .answer(.response(let body)):
            if let header { self.write(context: context, header: header, body: body) }
        case .answer(.fileBacked(let response)):
            if let header { self.write(context: context, header: header, response: response) }
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
            self.queuedBytes = 0
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

    /// Writes the body's parts and file regions in order under one frame header. The response (which
    /// closes the regions' files) lives until the last part is written or the write fails.
    private func write(context: ChannelHandlerContext, header: RequestHeader, response: FileBackedResponse) {
        let headerVersion = ResponseHeader.headerVersion(apiKey: header.apiKey, apiVersion: header.apiVersion)
        var body = response.body
        var head = context.channel.allocator.buffer(capacity: 9 + (response.splices.first?.index ?? body.readableBytes))
        head.writeInteger(Int32(0))
        ResponseHeader(correlationId: header.correlationId).write(to: &head, headerVersion: headerVersion)
        head.setInteger(Int32(head.readableBytes - 4 + response.byteCount), at: head.readerIndex)
        var consumed = 0
        var headSent = false
        for splice in response.splices {
            var part = body.readSlice(length: splice.index - consumed) ?? ByteBuffer()
            consumed = splice.index
            if !headSent {
                head.writeBuffer(&part)
                part = head
                headSent = true
            }
            context.write(Self.wrapOutboundOut(part), promise: nil)
            context.write(NIOAny(IOData.fileRegion(splice.region)), promise: nil)
        }
        if !headSent {
            head.writeBuffer(&body)
            body = head
        }
        context.writeAndFlush(Self.wrapOutboundOut(body)).assumeIsolated().whenComplete { _ in
            withExtendedLifetime(response) {}
        }
    }

    private func close(context: ChannelHandlerContext, reason: String) {
        guard !self.closing else { return }
        self.closing = true
        self.queued.removeAll()
        self.queuedBytes = 0
        let who = self.connection?.description ?? "a client"
        self.logger.warning("closing connection from \(who): \(reason)")
        context.close(promise: nil)
    }
}

extension RequestHeader {
    var apiName: String { ApiKey(rawValue: self.apiKey)?.name ?? "API \(self.apiKey)" }
}
