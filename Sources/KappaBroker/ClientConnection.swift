import Synchronization

/// What the broker knows about one client connection, for logs and for the dashboard:
/// where it comes from and, once it sent ApiVersions v3+, which client library it is.
public final class ClientConnection: Sendable, CustomStringConvertible {
    /// "ip:port" of the client.
    public let remoteAddress: String
    /// The client's IP alone, as DescribeGroups reports member hosts.
    public let host: String
    private let identity = Mutex<Identity>(Identity())

    struct Identity {
        var clientId: String?
        var softwareName: String?
        var softwareVersion: String?
    }

    /// Whether responses may carry file regions (a plain TCP socket; not TLS, which must encrypt
    /// every byte in memory, nor callers that want the whole response in a buffer).
    public let acceptsFileRegions: Bool

    public init(host: String, port: Int?, acceptsFileRegions: Bool = false) {
        self.acceptsFileRegions = acceptsFileRegions
        self.host = host
        self.remoteAddress = port.map { "\(host):\($0)" } ?? host
    }

    public var clientId: String? { self.identity.withLock { $0.clientId } }
    public var software: String? {
        self.identity.withLock { identity in
            identity.softwareName.map { name in [name, identity.softwareVersion].compactMap { $0 }.joined(separator: " ") }
        }
    }

    /// Records the client id of a request; returns true the first time it is seen.
    func noteClientId(_ clientId: String?) -> Bool {
        self.identity.withLock { identity in
            guard identity.clientId == nil, let clientId else { return false }
            identity.clientId = clientId
            return true
        }
    }

    func noteSoftware(name: String, version: String) {
        self.identity.withLock {
            $0.softwareName = name
            $0.softwareVersion = version
        }
    }

    public var description: String {
        var text = self.clientId.map { "\($0)@\(self.remoteAddress)" } ?? self.remoteAddress
        if let software = self.software { text += " (\(software))" }
        return text
    }
}
