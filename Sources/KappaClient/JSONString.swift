/// JSON string literals for the two writers that need them: export lines (UTF-8 kept as is) and
/// Python's `json.dumps` (`ensure_ascii=True`, what the course's producers write). One escaper, so
/// the two cannot drift apart on the characters they both escape.
enum JSONString {
    /// `"`, `\`, `\n`, `\r`, `\t`, `\b`, `\f` by name; other controls (and U+007F, U+2028, U+2029,
    /// which break JavaScript readers) as lowercase `\uXXXX`. With `asciiOnly`, everything outside
    /// printable ASCII is `\uXXXX` too, beyond the BMP as a surrogate pair.
    static func quote(_ text: String, asciiOnly: Bool) -> String {
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
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                out += "\\u" + Self.hex4(scalar.value)
            default:
                guard asciiOnly else {
                    out.unicodeScalars.append(scalar)
                    continue
                }
                for unit in String(scalar).utf16 { out += "\\u" + Self.hex4(UInt32(unit)) }
            }
        }
        return out + "\""
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
