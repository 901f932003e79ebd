/// The broker's SASL settings, shared by every connection: the users and the mechanisms offered.
/// Each connection gets its own `SaslSession` from `makeSession()`.
public final class SaslAuthenticator: Sendable {
    public let users: UsersFile
    public let mechanisms: [SaslMechanism]
    /// Keys the decoy salts of unknown users: stable while the broker runs, unknown to clients.
    private let decoySecret = ScramSha256.randomBytes(32)

    public init(users: UsersFile, mechanisms: [SaslMechanism] = SaslMechanism.allCases) {
        self.users = users
        self.mechanisms = mechanisms
    }

    public func makeSession() -> SaslSession {
        SaslSession(authenticator: self)
    }

    func credential(of user: String) -> ScramCredential? {
        self.users.users[user]
    }

    /// A credential for a user who does not exist: the same salt on every attempt, like a real user's.
    func decoy(for user: String) -> ScramCredential {
        let salt = Array(ScramSha256.hmac(key: self.decoySecret, Array(user.utf8)).prefix(ScramSha256.saltLength))
        return ScramCredential(
            salt: salt, iterations: ScramSha256.minIterations, storedKey: ScramSha256.randomBytes(32),
            serverKey: ScramSha256.randomBytes(32))
    }
}
