import Crypto

/// SCRAM-SHA-256's primitives (RFC 5802 section 2.2 with the hash of RFC 7677). Passwords are taken as
/// their UTF-8 bytes without SASLprep, as Kafka and librdkafka do, so the same password derives the same keys.
public enum ScramSha256 {
    /// Kafka's minimum for SCRAM-SHA-256, and RFC 7677's recommendation.
    public static let minIterations = 4096
    public static let saltLength = 16

    /// HMAC(key, data).
    public static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// H(data).
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: data))
    }

    /// Hi(password, salt, i): PBKDF2 with HMAC-SHA-256 and a single output block.
    public static func saltedPassword(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: Array(password.utf8))
        var block = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = block
        for _ in 1..<max(1, iterations) {
            block = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }

    /// Compares in time that depends on the lengths only, so a guess learns nothing from how fast it fails.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// Random bytes for salts and nonces, from the system's generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
