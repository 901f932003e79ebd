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

    /// The text get.py's `print` would show for these bytes; `None` for a null key or value.
    public func display(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "None" }
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
