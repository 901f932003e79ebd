import KappaBroker
import KappaWire
import NIOCore

/// One connection's SASL gate: until the client has authenticated, only ApiVersions goes on to the broker,
/// SaslHandshake and SaslAuthenticate are answered from the connection's `SaslSession`, and anything else
/// closes the connection. Consulted by `KafkaConnectionHandler` in request order, on the event loop.
final class SaslGate {
    enum Verdict {
        /// Hand the request to the broker as usual.
        case pass
        /// Write this reply to the request, then read on.
        case answer(BrokerReply)
        /// Write this reply, then close the connection.
        case answerThenClose(BrokerReply, reason: String)
        /// After a v0 handshake: write these bytes as a bare size-prefixed frame, then read on.
        case bareToken([UInt8])
        /// Close without answering.
        case reject(String)
    }

    private var session: SaslSession

    init(authenticator: SaslAuthenticator) {
        self.session = authenticator.makeSession()
    }

    var isOpen: Bool { self.session.isAuthenticated }

    /// True when the next frame is a bare SASL token (SaslHandshake v0), not a request.
    var expectsBareToken: Bool { self.session.expectsBareTokens }

    func admit(header: RequestHeader, body: ByteBuffer, broker: Broker, connection: ClientConnection) -> Verdict {
        let api = ApiKey(rawValue: header.apiKey)
        switch api {
        case .saslHandshake?, .saslAuthenticate?:
            guard SupportedApis.supports(apiKey: header.apiKey, version: header.apiVersion) else {
                return .reject("unsupported \(header.apiName) version \(header.apiVersion)")
            }
            let verdict =
                api == .saslHandshake
                ? broker.saslHandshake(header: header, body: body, session: &self.session, connection: connection)
                : broker.saslAuthenticate(header: header, body: body, session: &self.session, connection: connection)
            switch verdict {
            case .proceed(let reply): return .answer(reply)
            case .closeAfter(let reply, let reason): return .answerThenClose(reply, reason: reason)
            }
        case _ where self.isOpen:
            return .pass
        case .apiVersions?:
            return .pass
        default:
            return .reject(
                "\(header.apiName) before authenticating"
                    + " (only ApiVersions, SaslHandshake and SaslAuthenticate are answered until then)"
            )
        }
    }

    func admitBareToken(_ frame: ByteBuffer, broker: Broker, connection: ClientConnection) -> Verdict {
        let token = Array(frame.readableBytesView)
        let (response, closeReason) = broker.saslBareToken(token, session: &self.session, connection: connection)
        if let closeReason { return .reject(closeReason) }
        return .bareToken(response ?? [])
    }
}
