import NIOCore
import NIOSSL

/// TLS for the listener from a PEM certificate chain and private key, loaded once at start so a bad file
/// stops the broker instead of failing every handshake.
public struct ServerTLS: Sendable {
    private let context: NIOSSLContext

    public init(certificateChainPath: String, privateKeyPath: String) throws {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw ServerTLSError("cannot load TLS certificate \(certificateChainPath): \(error)")
        }
        guard !chain.isEmpty else { throw ServerTLSError("no PEM certificate in \(certificateChainPath)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw ServerTLSError("cannot load TLS private key \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            self.context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerTLSError(
                "TLS certificate \(certificateChainPath) and key \(privateKeyPath) do not work together: \(error)")
        }
    }

    /// The first handler of a connection's pipeline.
    func makeHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: self.context)
    }
}

/// Why TLS could not be set up.
public struct ServerTLSError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
