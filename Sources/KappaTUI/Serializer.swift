/// How Producer-Term turns a typed key or value into bytes.
public enum Serializer: String, CaseIterable, Equatable, Sendable {
    /// `json.dumps(text).encode('utf-8')`, exactly as put.py sends: `MYID` becomes `"MYID"`.
    case json
    /// The typed text as UTF-8, unchanged.
    case string

    public func encode(_ text: String) -> [UInt8] {
        switch self {
        case .json: Array(JSONValue.pythonDumps(text).utf8)
        case .string: Array(text.utf8)
        }
    }
}
