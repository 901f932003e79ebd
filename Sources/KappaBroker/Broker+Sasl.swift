import KappaWire
import NIOCore

/// SaslHandshake and SaslAuthenticate. With SASL on, the server's gate calls the `session` variants for
/// every connection until it is authenticated; the plain dispatch only sees these APIs when SASL is off.
extension Broker {
    /// What the gate does after a SASL answer.
    public enum SaslVerdict: Sendable {
        /// Write the reply and go on reading requests.
        case proceed(BrokerReply)
        /// Write the reply, then close the connection (a failed or out-of-order attempt).
        case closeAfter(BrokerReply, reason: String)
    }

    /// SaslHandshake on a connection whose SASL session is still open.
    public func saslHandshake(
        header: RequestHeader, body: ByteBuffer, session: inout SaslSession, connection: ClientConnection
    ) -> SaslVerdict {
        var body = body
        guard let request = try? SaslHandshakeRequest(from: &body, version: header.apiVersion) else {
            return .closeAfter(.close("malformed SaslHandshake"), reason: "malformed SaslHandshake")
        }
        let error = session.handshake(mechanism: request.mechanism, version: header.apiVersion)
        let reply = self.reply(
            SaslHandshakeResponse(errorCode: error?.rawValue ?? 0, mechanisms: session.enabledMechanisms),
            version: header.apiVersion)
        switch error {
        case nil:
            return .proceed(reply)
        case .unsupportedSaslMechanism?:
            let reason = "SASL mechanism '\(request.mechanism.prefix(64))' is not enabled"
            self.logger.warning("authentication failed from \(connection): \(reason)")
            return .closeAfter(reply, reason: reason)
        case let other?:
            return .closeAfter(reply, reason: "SaslHandshake out of order (\(other))")
        }
    }

    /// SaslAuthenticate on a connection whose SASL session is still open.
    public func saslAuthenticate(
        header: RequestHeader, body: ByteBuffer, session: inout SaslSession, connection: ClientConnection
    ) -> SaslVerdict {
        var body = body
        let version = header.apiVersion
        guard let request = try? SaslAuthenticateRequest(from: &body, version: version) else {
            return .closeAfter(.close("malformed SaslAuthenticate"), reason: "malformed SaslAuthenticate")
        }
        guard !session.expectsBareTokens, session.handshakeVersion != nil else {
            let response = SaslAuthenticateResponse(
                errorCode: ErrorCode.illegalSaslState.rawValue, errorMessage: "SaslAuthenticate before SaslHandshake v1"
            )
            return .closeAfter(self.reply(response, version: version), reason: "SaslAuthenticate out of order")
        }
        switch self.saslToken(request.authBytes, session: &session, connection: connection) {
        case .challenge(let bytes):
            return .proceed(self.reply(SaslAuthenticateResponse(authBytes: bytes), version: version))
        case .authenticated(_, let bytes):
            return .proceed(self.reply(SaslAuthenticateResponse(authBytes: bytes), version: version))
        case .failed(_, let message, let reason):
            let response = SaslAuthenticateResponse(
                errorCode: ErrorCode.saslAuthenticationFailed.rawValue, errorMessage: message)
            return .closeAfter(self.reply(response, version: version), reason: "authentication failed: \(reason)")
        }
    }

    /// A bare token after a v0 handshake: the answer is a bare token too, or nothing and a close on failure
    /// (v0 has no way to carry an error).
    public func saslBareToken(
        _ token: [UInt8], session: inout SaslSession, connection: ClientConnection
    ) -> (response: [UInt8]?, closeReason: String?) {
        switch self.saslToken(token, session: &session, connection: connection) {
        case .challenge(let bytes), .authenticated(_, let bytes):
            return (bytes, nil)
        case .failed(_, _, let reason):
            return (nil, "authentication failed: \(reason)")
        }
    }

    /// Runs one token through the session and logs the result, never the token itself.
    private func saslToken(
        _ token: [UInt8], session: inout SaslSession, connection: ClientConnection
    ) -> SaslSession.Outcome {
        let mechanism = session.mechanism?.rawValue ?? "no mechanism"
        let outcome = session.authenticate(token)
        switch outcome {
        case .challenge:
            break
        case .authenticated(let user, _):
            self.logger.info("authenticated '\(user)' with \(mechanism) from \(connection)")
        case .failed(let user, _, let reason):
            let who = user.map { "'\($0.prefix(255))'" } ?? "a client"
            self.logger.warning("authentication of \(who) with \(mechanism) from \(connection) failed: \(reason)")
        }
        return outcome
    }

    /// SASL requests that reach the ordinary dispatch: SASL is off on this listener (or the gate let the
    /// connection in already). Answered with errors a client can report, as Kafka does.
    func saslNotExpected(api: ApiKey, version: Int16) -> BrokerReply {
        if api == .saslHandshake {
            return self.reply(
                SaslHandshakeResponse(errorCode: ErrorCode.unsupportedSaslMechanism.rawValue, mechanisms: []),
                version: version)
        }
        let response = SaslAuthenticateResponse(
            errorCode: ErrorCode.illegalSaslState.rawValue,
            errorMessage: "SASL authentication is not enabled on this listener")
        return self.reply(response, version: version)
    }
}
