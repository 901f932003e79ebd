import Foundation

/// The server side of one SCRAM-SHA-256 exchange (RFC 5802 section 5): client-first → server-first,
/// client-final → server-final. An unknown user gets a decoy salt and fails only at the proof, so the
/// exchange does not tell which user names exist.
public struct ScramServerExchange: Sendable {
    /// What to send back after a client message.
    public enum Step: Sendable, Equatable {
        /// server-first-message; the client answers with client-final.
        case challenge([UInt8])
        /// server-final-message; `user` is authenticated.
        case success(user: String, response: [UInt8])
        /// `reason` is for the broker's log only (never holds a secret); the client gets a generic message.
        case failure(reason: String)
    }

    private enum State: Sendable {
        case awaitingClientFirst
        case awaitingClientFinal(Pending)
        case done
    }

    private struct Pending: Sendable {
        var user: String
        var credential: ScramCredential
        var known: Bool
        var gs2Header: String
        var clientFirstBare: String
        var serverFirst: String
        var nonce: String
    }

    private var state = State.awaitingClientFirst
    private let credential: @Sendable (String) -> ScramCredential?
    private let decoy: @Sendable (String) -> ScramCredential
    private let serverNonce: String

    /// - Parameters:
    ///   - credential: the stored credential of a user name, nil if unknown.
    ///   - decoy: a credential to pretend with for an unknown user (the same salt each time, ideally).
    ///   - serverNonce: printable characters other than ","; random unless a test fixes it.
    public init(
        credential: @escaping @Sendable (String) -> ScramCredential?,
        decoy: @escaping @Sendable (String) -> ScramCredential,
        serverNonce: String = ScramServerExchange.randomNonce()
    ) {
        self.credential = credential
        self.decoy = decoy
        self.serverNonce = serverNonce
    }

    /// The user named in client-first, once it arrived (known or not), for log lines.
    public var user: String? {
        if case .awaitingClientFinal(let pending) = self.state { return pending.user }
        return nil
    }

    public mutating func receive(_ message: [UInt8]) -> Step {
        guard let text = String(validating: message, as: UTF8.self) else { return self.fail("message is not UTF-8") }
        switch self.state {
        case .awaitingClientFirst:
            return self.clientFirst(text)
        case .awaitingClientFinal(let pending):
            return self.clientFinal(text, pending)
        case .done:
            return self.fail("message after the exchange ended")
        }
    }

    private mutating func fail(_ reason: String) -> Step {
        self.state = .done
        return .failure(reason: reason)
    }

    private mutating func clientFirst(_ text: String) -> Step {
        // gs2-header = cbind-flag "," [authzid] ","
        let fields = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return self.fail("client-first-message has no GS2 header") }
        guard fields[0] == "n" || fields[0] == "y" else {
            return self.fail("channel binding '\(fields[0].prefix(16))' is not supported")
        }
        var authzid: String?
        if !fields[1].isEmpty {
            guard fields[1].hasPrefix("a="), let name = Self.decodeSaslName(fields[1].dropFirst(2)) else {
                return self.fail("bad authzid in the GS2 header")
            }
            authzid = name
        }
        let bare = String(fields[2])
        var user: String?
        var clientNonce: String?
        for attribute in bare.split(separator: ",", omittingEmptySubsequences: false) {
            if attribute.hasPrefix("n=") {
                user = Self.decodeSaslName(attribute.dropFirst(2))
            } else if attribute.hasPrefix("r=") {
                clientNonce = String(attribute.dropFirst(2))
            } else if attribute.hasPrefix("m=") {
                return self.fail("mandatory extension not supported")
            } else if attribute.hasPrefix("tokenauth=") {
                return self.fail("delegation tokens are not supported")
            }
        }
        guard let user, !user.isEmpty else { return self.fail("client-first-message has no valid user name") }
        guard let clientNonce, !clientNonce.isEmpty else { return self.fail("client-first-message has no nonce") }
        if let authzid, authzid != user {
            return self.fail("authorization id differs from the user name")
        }
        let stored = self.credential(user)
        let credential = stored ?? self.decoy(user)
        let nonce = clientNonce + self.serverNonce
        let serverFirst = "r=\(nonce),s=\(Data(credential.salt).base64EncodedString()),i=\(credential.iterations)"
        self.state = .awaitingClientFinal(
            Pending(
                user: user, credential: credential, known: stored != nil,
                gs2Header: "\(fields[0]),\(fields[1]),", clientFirstBare: bare, serverFirst: serverFirst, nonce: nonce))
        return .challenge(Array(serverFirst.utf8))
    }

    private mutating func clientFinal(_ text: String, _ pending: Pending) -> Step {
        // client-final-message = channel-binding "," nonce ["," extensions] "," proof
        guard let proofRange = text.range(of: ",p=", options: .backwards) else {
            return self.fail("client-final-message has no proof")
        }
        let withoutProof = String(text[..<proofRange.lowerBound])
        let attributes = withoutProof.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("c="), attributes[1].hasPrefix("r=") else {
            return self.fail("client-final-message is malformed")
        }
        guard attributes[0].dropFirst(2) == Data(pending.gs2Header.utf8).base64EncodedString() else {
            return self.fail("channel binding does not match the GS2 header")
        }
        // librdkafka sends the client nonce again in front of the combined one; Kafka accepts any nonce that
        // ends with the combined one, and so do we (the proof covers the message as sent either way).
        guard attributes[1].dropFirst(2).hasSuffix(pending.nonce) else { return self.fail("nonce does not match") }
        guard let proof = Data(base64Encoded: String(text[proofRange.upperBound...])), proof.count == 32 else {
            return self.fail("proof is not 32 bytes of base64")
        }
        let authMessage = Array("\(pending.clientFirstBare),\(pending.serverFirst),\(withoutProof)".utf8)
        let clientSignature = ScramSha256.hmac(key: pending.credential.storedKey, authMessage)
        let clientKey = zip(proof, clientSignature).map { $0 ^ $1 }
        let matches = ScramSha256.constantTimeEqual(ScramSha256.hash(clientKey), pending.credential.storedKey)
        guard pending.known else { return self.fail("unknown user") }
        guard matches else { return self.fail("wrong password (proof does not verify)") }
        self.state = .done
        let serverSignature = ScramSha256.hmac(key: pending.credential.serverKey, authMessage)
        return .success(user: pending.user, response: Array("v=\(Data(serverSignature).base64EncodedString())".utf8))
    }

    /// saslname: "=2C" stands for "," and "=3D" for "="; any other "=" is invalid.
    static func decodeSaslName(_ text: Substring) -> String? {
        var result = ""
        var rest = text[...]
        while let equals = rest.firstIndex(of: "=") {
            result += rest[..<equals]
            let code = rest[rest.index(after: equals)...].prefix(2)
            switch code {
            case "2C": result += ","
            case "3D": result += "="
            default: return nil
            }
            rest = rest[rest.index(equals, offsetBy: 3)...]
        }
        return result + rest
    }

    /// 24 random bytes as base64: printable and free of ",".
    public static func randomNonce() -> String {
        Data(ScramSha256.randomBytes(24)).base64EncodedString()
    }
}
