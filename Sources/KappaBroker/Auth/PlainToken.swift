/// A SASL PLAIN message (RFC 4616): `[authzid] NUL authcid NUL passwd`, all UTF-8.
public struct PlainToken: Sendable {
    public var authorizationId: String
    public var username: String
    public var password: String

    /// Parses the client's single message; throws when it is not PLAIN's shape (the reason is for the log, and
    /// never quotes the bytes, which hold the password).
    public init(parsing bytes: [UInt8]) throws(PlainTokenError) {
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected authzid NUL username NUL password") }
        guard parts[2].firstIndex(of: 0) == nil else { throw .malformed("NUL inside the password") }
        guard parts[1].count <= 255, parts[2].count <= 255 else {
            throw .malformed("username or password longer than 255 bytes")
        }
        guard let authzid = String(validating: parts[0], as: UTF8.self),
            let username = String(validating: parts[1], as: UTF8.self),
            let password = String(validating: parts[2], as: UTF8.self)
        else { throw .malformed("not UTF-8") }
        guard !username.isEmpty else { throw .malformed("empty username") }
        guard !password.isEmpty else { throw .malformed("empty password") }
        self.authorizationId = authzid
        self.username = username
        self.password = password
    }
}

/// Why a PLAIN message was refused.
public enum PlainTokenError: Error, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed PLAIN message: \(why)"
        }
    }
}
