/// One connection's way through SASL: SaslHandshake picks a mechanism, then the client's tokens are
/// answered until the user is authenticated or the attempt fails. Owned by one connection, on its event loop.
public struct SaslSession: Sendable {
    public enum State: Sendable {
        case awaitingHandshake
        case awaitingPlain
        case scram(ScramServerExchange)
        case authenticated(user: String, mechanism: SaslMechanism)
        case failed
    }

    /// What a client token leads to.
    public enum Outcome: Sendable, Equatable {
        /// More to exchange: send these bytes back.
        case challenge([UInt8])
        /// Done: send these bytes back (empty for PLAIN) and let the connection in.
        case authenticated(user: String, response: [UInt8])
        /// Send `message` to the client (Kafka's wording), log `reason`, close the connection.
        case failed(user: String?, message: String, reason: String)
    }

    public private(set) var state = State.awaitingHandshake
    /// The SaslHandshake version that chose the mechanism: v0 means the tokens come as bare frames.
    public private(set) var handshakeVersion: Int16?
    public private(set) var mechanism: SaslMechanism?
    private let authenticator: SaslAuthenticator

    init(authenticator: SaslAuthenticator) {
        self.authenticator = authenticator
    }

    public var enabledMechanisms: [String] { self.authenticator.mechanisms.map(\.rawValue) }

    public var isAuthenticated: Bool {
        if case .authenticated = self.state { return true }
        return false
    }

    /// After a v0 handshake, the next frames are bare SASL tokens rather than Kafka requests.
    public var expectsBareTokens: Bool {
        guard self.handshakeVersion == 0 else { return false }
        switch self.state {
        case .awaitingPlain, .scram: return true
        default: return false
        }
    }

    /// SaslHandshake: nil if the mechanism is enabled and the session was waiting for one, else the error.
    public mutating func handshake(mechanism name: String, version: Int16) -> ErrorCode? {
        guard case .awaitingHandshake = self.state else {
            self.state = .failed
            return .illegalSaslState
        }
        guard let mechanism = SaslMechanism(rawValue: name), self.authenticator.mechanisms.contains(mechanism) else {
            self.state = .failed
            return .unsupportedSaslMechanism
        }
        self.handshakeVersion = version
        self.mechanism = mechanism
        switch mechanism {
        case .plain:
            self.state = .awaitingPlain
        case .scramSha256:
            let authenticator = self.authenticator
            self.state = .scram(
                ScramServerExchange(
                    credential: { authenticator.credential(of: $0) }, decoy: { authenticator.decoy(for: $0) }))
        }
        return nil
    }

    /// One client token (SaslAuthenticate's auth_bytes, or a bare frame after a v0 handshake).
    public mutating func authenticate(_ token: [UInt8]) -> Outcome {
        switch self.state {
        case .awaitingPlain:
            return self.plain(token)
        case .scram(var exchange):
            let userBefore = exchange.user
            let step = exchange.receive(token)
            switch step {
            case .challenge(let bytes):
                self.state = .scram(exchange)
                return .challenge(bytes)
            case .success(let user, let response):
                self.state = .authenticated(user: user, mechanism: .scramSha256)
                return .authenticated(user: user, response: response)
            case .failure(let reason):
                self.state = .failed
                return .failed(
                    user: exchange.user ?? userBefore,
                    message: "Authentication failed during authentication due to invalid credentials"
                        + " with SASL mechanism SCRAM-SHA-256",
                    reason: reason)
            }
        case .awaitingHandshake:
            self.state = .failed
            return .failed(
                user: nil, message: "SaslAuthenticate before SaslHandshake",
                reason: "SaslAuthenticate before SaslHandshake")
        case .authenticated, .failed:
            self.state = .failed
            return .failed(
                user: nil, message: "Unexpected SaslAuthenticate", reason: "SaslAuthenticate after the exchange ended")
        }
    }

    private mutating func plain(_ token: [UInt8]) -> Outcome {
        self.state = .failed
        let message = "Authentication failed: Invalid username or password"
        let parsed: PlainToken
        do {
            parsed = try PlainToken(parsing: token)
        } catch {
            return .failed(user: nil, message: message, reason: error.description)
        }
        if !parsed.authorizationId.isEmpty, parsed.authorizationId != parsed.username {
            return .failed(
                user: parsed.username,
                message: "Authentication failed: Client requested an authorization id that is different from username",
                reason: "authorization id differs from the user name")
        }
        guard let credential = self.authenticator.credential(of: parsed.username) else {
            // Spend the same time as a real check, so timing does not tell which users exist.
            _ = self.authenticator.decoy(for: parsed.username).matches(password: parsed.password)
            return .failed(user: parsed.username, message: message, reason: "unknown user")
        }
        guard credential.matches(password: parsed.password) else {
            return .failed(user: parsed.username, message: message, reason: "wrong password")
        }
        self.state = .authenticated(user: parsed.username, mechanism: .plain)
        return .authenticated(user: parsed.username, response: [])
    }
}
