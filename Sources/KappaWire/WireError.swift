/// Why bytes from the network could not be decoded. Every decoder throws one of these
/// instead of trapping, so a malformed request costs its connection and nothing more.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The buffer ended before `what` was complete.
    case truncated(String)
    /// A length, count or value that cannot be right (negative length, varint too long, bad UTF-8).
    case invalid(String)
    /// An API key this broker does not know.
    case unknownApiKey(Int16)
    /// A version of a known API outside the range this codec implements.
    case unsupportedVersion(apiKey: Int16, version: Int16)

    public var description: String {
        switch self {
        case .truncated(let what): return "truncated \(what)"
        case .invalid(let what): return "invalid \(what)"
        case .unknownApiKey(let key): return "unknown API key \(key)"
        case .unsupportedVersion(let key, let version): return "unsupported version \(version) of API \(key)"
        }
    }
}
