import KappaBroker
import Logging
import NIOCore
import NIOPosix

/// The TCP listener in front of a `Broker`: one pipeline per connection (TLS if configured, framing, then
/// ordered dispatch behind the SASL gate if configured). Knows nothing of Kafka semantics beyond the frame
/// and the request header.
public final class KafkaServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Largest request accepted; Kafka's `socket.request.max.bytes` default is 100 MiB.
        public var maxFrameSize: Int
        /// When set, clients must authenticate with SASL before anything but ApiVersions is answered.
        public var sasl: SaslAuthenticator?
        /// When set, every connection speaks TLS first.
        public var tls: ServerTLS?

        public init(
            host: String = "127.0.0.1", port: Int = 9092, maxFrameSize: Int = 100 * 1024 * 1024,
            sasl: SaslAuthenticator? = nil, tls: ServerTLS? = nil
        ) {
            self.host = host
            self.port = port
            self.maxFrameSize = maxFrameSize
            self.sasl = sasl
            self.tls = tls
        }
    }

    private let channel: any Channel
    public let localAddress: SocketAddress

    private init(channel: any Channel, localAddress: SocketAddress) {
        self.channel = channel
        self.localAddress = localAddress
    }

    /// Binds and starts accepting; returns once the socket listens.
    public static func start(
        configuration: Configuration,
        broker: Broker,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> KafkaServer {
        let maxFrameSize = configuration.maxFrameSize
        let sasl = configuration.sasl
        let tls = configuration.tls
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptErrorLogger(logger: logger))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                        try channel.pipeline.syncOperations.addHandler(TLSUncleanShutdownHandler())
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: maxFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(
                        KafkaConnectionHandler(broker: broker, logger: logger, sasl: sasl, sendsFileRegions: tls == nil))
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw ServerError.noLocalAddress
        }
        return KafkaServer(channel: channel, localAddress: address)
    }

    /// Stops accepting; open connections close with the event loop group.
    public func stop() async {
        try? await self.channel.close()
    }

    /// Completes when the listening socket closes.
    public func waitUntilClosed() async {
        try? await self.channel.closeFuture.get()
    }
}

public enum ServerError: Error {
    case noLocalAddress
}
