import Crypto
import Foundation

/// The client's half of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802 section 3, RFC 7677) as Kafka speaks it:
/// no channel binding, and the password's UTF-8 bytes without SASLprep, as librdkafka and Kafka's own
/// client use them, so the same password derives the same keys. The server's signature is checked: a
/// server that does not know the password cannot pretend it authenticated us.
struct ScramClient: Sendable {
    enum Hash: Sendable {
        case sha256, sha512

        var mechanismName: String { self == .sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512" }
    }

    /// Kafka stores at most 16384 iterations; more than this is a server making us burn CPU.
    static let maxIterations = 1_000_000

    let hash: Hash
    private let password: String
    private let clientNonce: String
    private let clientFirstBare: String
    private var expectedServerSignature: [UInt8]?

    init(hash: Hash, username: String, password: String, nonce: String = ScramClient.randomNonce()) {
        self.hash = hash
        self.password = password
        self.clientNonce = nonce
        self.clientFirstBare = "n=\(Self.saslName(username)),r=\(nonce)"
    }

    /// client-first-message: GS2 header "n,," (no channel binding, no authzid), user name and nonce.
    var clientFirst: [UInt8] { Array("n,,\(self.clientFirstBare)".utf8) }

    /// client-final-message for the server-first-message, with the proof; remembers the server signature
    /// to expect.
    mutating func clientFinal(serverFirst bytes: [UInt8]) throws(ScramClientError) -> [UInt8] {
        guard let serverFirst = String(validating: bytes, as: UTF8.self) else {
            throw ScramClientError("the server-first message is not UTF-8")
        }
        var nonce: String?
        var salt: [UInt8]?
        var iterations: Int?
        for attribute in serverFirst.split(separator: ",", omittingEmptySubsequences: false) {
            let value = String(attribute.dropFirst(2))
            switch attribute.prefix(2) {
            case "m=": throw ScramClientError("the server asks for a mandatory extension")
            case "r=": nonce = value
            case "s=": salt = Data(base64Encoded: value).map { Array($0) }
            case "i=": iterations = Int(value)
            default: continue
            }
        }
        guard let nonce, nonce.hasPrefix(self.clientNonce), nonce.count > self.clientNonce.count else {
            throw ScramClientError("the server's nonce does not extend ours")
        }
        guard let salt, !salt.isEmpty else { throw ScramClientError("the server sent no salt") }
        guard let iterations, (1...Self.maxIterations).contains(iterations) else {
            throw ScramClientError("the server sent a bad iteration count")
        }
        let withoutProof = "c=\(Data("n,,".utf8).base64EncodedString()),r=\(nonce)"
        let authMessage = Array("\(self.clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let salted = self.saltedPassword(salt: salt, iterations: iterations)
        let clientKey = self.hmac(key: salted, Array("Client Key".utf8))
        let storedKey = self.digest(clientKey)
        let clientSignature = self.hmac(key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = self.hmac(key: salted, Array("Server Key".utf8))
        self.expectedServerSignature = self.hmac(key: serverKey, authMessage)
        return Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }

    /// Checks the server-final-message: "v=" with the signature only a server knowing our key can make.
    func verify(serverFinal bytes: [UInt8]) throws(ScramClientError) {
        guard let expected = self.expectedServerSignature else {
            throw ScramClientError("the server ended the exchange before our proof")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("e=") { throw ScramClientError("the server refused: \(text.dropFirst(2).prefix(100))") }
        guard text.hasPrefix("v="), let signature = Data(base64Encoded: String(text.dropFirst(2).prefix { $0 != "," }))
        else { throw ScramClientError("the server sent no signature") }
        guard Self.constantTimeEqual(Array(signature), expected) else {
            throw ScramClientError("the server's signature is wrong: it does not know this user's credentials")
        }
    }

    // MARK: primitives (RFC 5802 section 2.2)

    private func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        switch self.hash {
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: data, using: SymmetricKey(data: key)))
        }
    }

    private func digest(_ data: [UInt8]) -> [UInt8] {
        switch self.hash {
        case .sha256: Array(SHA256.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }

    /// Hi(password, salt, i): PBKDF2 with the HMAC and one output block.
    private func saltedPassword(salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = Array(self.password.utf8)
        var block = self.hmac(key: key, salt + [0, 0, 0, 1])
        var result = block
        for _ in 1..<iterations {
            block = self.hmac(key: key, block)
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }

    /// saslname (RFC 5802 section 5.1): "," and "=" escaped as "=2C" and "=3D".
    static func saslName(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// 24 random bytes as base64: printable and free of ",".
    static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }
}
