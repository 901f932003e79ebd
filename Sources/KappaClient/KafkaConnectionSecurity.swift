import CRdKafka
import Foundation
import NIOSSL

/// How the raw client secures its connections, read from the same librdkafka properties the rest of the
/// dashboard passes to librdkafka (`security.protocol`, `sasl.*`, `ssl.*`), so one context works for both.
/// Anything that would make librdkafka connect more securely than this client can (GSSAPI, OAUTHBEARER,
/// client certificates, CRLs, cipher lists, ...) is refused rather than ignored.
struct KafkaConnectionSecurity: Sendable {
    /// The SASL mechanisms this client speaks, by their SaslHandshake names.
    enum Mechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case scramSha256 = "SCRAM-SHA-256"
        case scramSha512 = "SCRAM-SHA-512"
    }

    /// SASL credentials; `password` is never put into a message.
    struct Sasl: Sendable {
        var mechanism: Mechanism
        var username: String
        var password: String
    }

    /// The TLS context shared by every connection, and whether the certificate must name the host.
    struct TLS: Sendable {
        var context: NIOSSLContext
        var checksHostname: Bool
    }

    /// "PLAINTEXT", "SSL", "SASL_PLAINTEXT" or "SASL_SSL", for messages.
    let protocolName: String
    let sasl: Sasl?
    let tls: TLS?

    static let plaintext = KafkaConnectionSecurity(protocolName: "PLAINTEXT", sasl: nil, tls: nil)

    private init(protocolName: String, sasl: Sasl?, tls: TLS?) {
        self.protocolName = protocolName
        self.sasl = sasl
        self.tls = tls
    }

    /// Reads librdkafka's property names and defaults (SASL mechanism GSSAPI, hostname check on).
    init(properties: [String: String]) throws {
        let name = (properties["security.protocol"] ?? "plaintext").trimmed.uppercased()
        let (usesSasl, usesTLS): (Bool, Bool)
        switch name {
        case "PLAINTEXT": (usesSasl, usesTLS) = (false, false)
        case "SSL": (usesSasl, usesTLS) = (false, true)
        case "SASL_PLAINTEXT": (usesSasl, usesTLS) = (true, false)
        case "SASL_SSL": (usesSasl, usesTLS) = (true, true)
        default:
            throw Self.refusal("security.protocol=\(name) is not a protocol librdkafka knows")
        }
        self.protocolName = name
        self.sasl = usesSasl ? try Self.sasl(properties) : nil
        self.tls = usesTLS ? try Self.tls(properties) : nil
    }

    private static func sasl(_ properties: [String: String]) throws -> Sasl {
        // librdkafka's name is sasl.mechanisms, with sasl.mechanism as an alias; its default is GSSAPI.
        let text = (properties["sasl.mechanisms"] ?? properties["sasl.mechanism"] ?? "GSSAPI").trimmed.uppercased()
        guard let mechanism = Mechanism(rawValue: text) else {
            let known = Mechanism.allCases.map(\.rawValue).joined(separator: ", ")
            throw Self.refusal("sasl.mechanism=\(text) is not supported (only \(known))")
        }
        guard let username = properties["sasl.username"], !username.isEmpty,
              let password = properties["sasl.password"]
        else {
            throw KafkaClientError(
                RD_KAFKA_RESP_ERR__INVALID_ARG, "SASL \(mechanism.rawValue) needs sasl.username and sasl.password")
        }
        return Sasl(mechanism: mechanism, username: username, password: password)
    }

    /// Properties that would tighten or change TLS in ways this client does not implement.
    static let unsupportedTLSProperties = [
        "ssl.certificate.location", "ssl.certificate.pem", "ssl.key.location", "ssl.key.pem", "ssl.keystore.location",
        "ssl.crl.location", "ssl.cipher.suites", "ssl.curves.list", "ssl.sigalgs.list", "ssl.engine.location",
        "ssl.engine.id", "ssl.providers", "ssl.ca.certificate.stores",
    ]

    private static func tls(_ properties: [String: String]) throws -> TLS {
        for key in Self.unsupportedTLSProperties where properties[key] != nil {
            throw Self.refusal("\(key) is not supported (no client certificates, CRLs, cipher or curve lists)")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        // As in librdkafka, a configured CA replaces the system's roots ("probe" means the system's).
        let location = properties["ssl.ca.location"]?.trimmed ?? ""
        if !location.isEmpty, location != "probe" {
            configuration.trustRoots = try Self.trustRoots(location)
        }
        if let pem = properties["ssl.ca.pem"], !pem.trimmed.isEmpty {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            } catch {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "ssl.ca.pem holds no PEM certificate")
            }
            if location.isEmpty {
                configuration.trustRoots = .certificates(certificates)
            } else {
                configuration.additionalTrustRoots.append(.certificates(certificates))
            }
        }
        let verifies = try Self.bool(properties, "enable.ssl.certificate.verification", default: true)
        let identification = (properties["ssl.endpoint.identification.algorithm"] ?? "https").trimmed.lowercased()
        guard identification == "https" || identification == "none" else {
            throw KafkaClientError(
                RD_KAFKA_RESP_ERR__INVALID_ARG,
                "ssl.endpoint.identification.algorithm=\(identification) is not 'https' nor 'none'")
        }
        let checksHostname = verifies && identification == "https"
        configuration.certificateVerification =
            !verifies ? .none : checksHostname ? .fullVerification : .noHostnameVerification
        do {
            return TLS(context: try NIOSSLContext(configuration: configuration), checksHostname: checksHostname)
        } catch {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__SSL, "cannot set up TLS: \(error)")
        }
    }

    /// A PEM file of CA certificates (loaded now, so a bad file fails here in one line) or a directory of them.
    private static func trustRoots(_ location: String) throws -> NIOSSLTrustRoots {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), isDirectory.boolValue {
            return .file(location)
        }
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(location)
            guard !certificates.isEmpty else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "ssl.ca.location \(location) holds no PEM certificate")
            }
            return .certificates(certificates)
        } catch let error as KafkaClientError {
            throw error
        } catch {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot read ssl.ca.location \(location) as PEM certificates")
        }
    }

    private static func bool(_ properties: [String: String], _ key: String, default value: Bool) throws -> Bool {
        guard let text = properties[key] else { return value }
        switch text.trimmed.lowercased() {
        case "true", "t", "1", "yes", "on": return true
        case "false", "f", "0", "no", "off": return false
        default: throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "\(key)=\(text) is not true or false")
        }
    }

    /// What remains unsupported keeps the old refusal's wording, so it reads the same in every front end.
    private static func refusal(_ what: String) -> KafkaClientError {
        KafkaClientError(
            RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
            "the transaction commands speak PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL with PLAIN or SCRAM only: \(what)")
    }
}

extension String {
    fileprivate var trimmed: String { self.trimmingCharacters(in: .whitespaces) }
}
