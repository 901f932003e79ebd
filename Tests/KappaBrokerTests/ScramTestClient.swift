import Foundation

@testable import KappaBroker

/// The client's half of SCRAM-SHA-256 (RFC 5802 section 3), written out in the test so the server is
/// checked against the RFC's formulas rather than against its own code paths.
enum ScramTestClient {
    static func proof(password: String, salt: [UInt8], iterations: Int, authMessage: String) -> String {
        let salted = ScramSha256.saltedPassword(password, salt: salt, iterations: iterations)
        let clientKey = ScramSha256.hmac(key: salted, Array("Client Key".utf8))
        let storedKey = ScramSha256.hash(clientKey)
        let signature = ScramSha256.hmac(key: storedKey, Array(authMessage.utf8))
        return Data(zip(clientKey, signature).map { $0 ^ $1 }).base64EncodedString()
    }
}
