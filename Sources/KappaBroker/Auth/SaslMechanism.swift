import Foundation

/// The SASL mechanisms the broker can offer, named as clients send them in SaslHandshake.
public enum SaslMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case scramSha256 = "SCRAM-SHA-256"

    /// Parses "PLAIN,SCRAM-SHA-256" (case-insensitive, spaces ignored); a failure names the first unknown one.
    public static func parseList(_ text: String) -> Result<[SaslMechanism], SaslMechanismError> {
        var mechanisms: [SaslMechanism] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).uppercased()
            guard let mechanism = SaslMechanism(rawValue: name) else { return .failure(.unknown(name)) }
            if !mechanisms.contains(mechanism) { mechanisms.append(mechanism) }
        }
        return mechanisms.isEmpty ? .failure(.empty) : .success(mechanisms)
    }
}

/// Why a mechanism list was refused.
public enum SaslMechanismError: Error, CustomStringConvertible {
    case unknown(String)
    case empty

    public var description: String {
        switch self {
        case .unknown(let name):
            let known = SaslMechanism.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown SASL mechanism '\(name)' (known: \(known))"
        case .empty: return "no SASL mechanism given"
        }
    }
}
