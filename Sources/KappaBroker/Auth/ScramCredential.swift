/// What the broker keeps of a password (RFC 5802 section 3): the salt, the iteration count, StoredKey and
/// ServerKey. Enough to verify a SCRAM proof or a PLAIN password, not enough to log in as the user.
public struct ScramCredential: Sendable, Equatable {
    public var salt: [UInt8]
    public var iterations: Int
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]

    public init(salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives the credential of `password`; a fresh random salt unless one is given (tests).
    public init(password: String, salt: [UInt8]? = nil, iterations: Int = ScramSha256.minIterations) {
        let salt = salt ?? ScramSha256.randomBytes(ScramSha256.saltLength)
        let salted = ScramSha256.saltedPassword(password, salt: salt, iterations: iterations)
        let clientKey = ScramSha256.hmac(key: salted, Array("Client Key".utf8))
        self.init(
            salt: salt, iterations: iterations, storedKey: ScramSha256.hash(clientKey),
            serverKey: ScramSha256.hmac(key: salted, Array("Server Key".utf8)))
    }

    /// PLAIN's check: derive StoredKey from `password` with this salt and count, compare in constant time.
    public func matches(password: String) -> Bool {
        let salted = ScramSha256.saltedPassword(password, salt: self.salt, iterations: self.iterations)
        let clientKey = ScramSha256.hmac(key: salted, Array("Client Key".utf8))
        return ScramSha256.constantTimeEqual(ScramSha256.hash(clientKey), self.storedKey)
    }
}
