/// How Consumer-Term and Browse turn record bytes into text; `d` cycles through them.
public enum Deserializer: String, CaseIterable, Equatable, Sendable {
    /// JSON if the bytes parse as JSON, else UTF-8 text, else Python's bytes repr.
    case auto
    /// As get.py does: `json.loads`; bytes that are not JSON are marked so.
    case json
    /// UTF-8 text as is; bytes that are not UTF-8 are shown as Python's bytes repr.
    case string

    /// The next mode for the `d` key.
    public var next: Deserializer {
        switch self {
        case .auto: .json
        case .json: .string
        case .string: .auto
        }
    }

    /// Bytes past which a key or value is shown as the text of its start: one line shows a few hundred
    /// characters, and parsing a 1 MB value as JSON on every frame would stall the dashboard.
    public static let displayLimit = 4096

    /// The text get.py's `print` would show for these bytes; `None` for a null key or value. `size` is the
    /// record's full length when `bytes` is only its start; a start, or bytes over `displayLimit`, show as
    /// text (or Python's bytes repr) with `… (N bytes)` after it.
    public func display(_ bytes: [UInt8]?, size: Int? = nil) -> String {
        guard let bytes else { return "None" }
        let total = max(size ?? bytes.count, bytes.count)
        if total > bytes.count || bytes.count > Self.displayLimit {
            return BytesFormat.textStart(bytes.prefix(Self.displayLimit)) + "… (\(total) bytes)"
        }
        switch self {
        case .auto:
            if let json = JSONValue.parse(bytes) { return json.pythonStr }
            return String(validating: bytes, as: UTF8.self) ?? BytesFormat.pythonRepr(bytes)
        case .json:
            if let json = JSONValue.parse(bytes) { return json.pythonStr }
            return "<not JSON> " + (String(validating: bytes, as: UTF8.self) ?? BytesFormat.pythonRepr(bytes))
        case .string:
            return String(validating: bytes, as: UTF8.self) ?? BytesFormat.pythonRepr(bytes)
        }
    }
}
