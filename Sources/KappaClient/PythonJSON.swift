/// What Python's `json.dumps(text)` makes of a string, byte for byte: the serializer of the course's
/// producers (`value_serializer=lambda v: dumps(v).encode('utf-8')`), so `kappa produce --serializer
/// json` writes the same bytes they do.
public enum PythonJSON {
    /// A quoted JSON string with everything outside printable ASCII escaped (`ensure_ascii=True`):
    /// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other characters as lowercase `\uXXXX`, characters
    /// beyond the BMP as surrogate pairs.
    public static func dumps(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                for unit in String(scalar).utf16 {
                    out += "\\u" + JSONRecord.hex4(UInt32(unit))
                }
            }
        }
        return out + "\""
    }
}
