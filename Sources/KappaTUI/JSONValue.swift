/// A parsed JSON document, keeping object key order and number lexemes as they were written.
///
/// Written here rather than taken from Foundation so the dashboard decodes exactly as Python's `json.loads`
/// does for get.py's output and encodes exactly as `json.dumps` does for put.py's input.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number as written, so `1.50` is not shown as `1.5`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses UTF-8 bytes; `nil` unless the whole input is one JSON value (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = JSONParser(bytes: bytes)
        return parser.parseDocument()
    }

    // MARK: encoding

    /// `json.dumps(text)` with Python's defaults (`ensure_ascii=True`): what put.py sends.
    static func pythonDumps(_ text: String) -> String {
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
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += Self.u4(0xD800 + (v >> 10)) + Self.u4(0xDC00 + (v & 0x3FF))
                    } else {
                        out += Self.u4(scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func u4(_ v: UInt32) -> String {
        let hex = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Compact JSON on one line with non-ASCII kept as is.
    var compact: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return Self.quoted(s)
        case .array(let items): return "[" + items.map(\.compact).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { Self.quoted($0.0) + ":" + $0.1.compact }.joined(separator: ",") + "}"
        }
    }

    /// Indented JSON, one line per element, for the Browse record detail.
    func pretty(indent: String = "") -> [String] {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty:
            var lines = ["["]
            for (i, item) in items.enumerated() {
                var sub = item.pretty(indent: inner)
                sub[0] = inner + sub[0]
                if i < items.count - 1 { sub[sub.count - 1] += "," }
                lines += sub
            }
            return lines + [indent + "]"]
        case .object(let members) where !members.isEmpty:
            var lines = ["{"]
            for (i, member) in members.enumerated() {
                var sub = member.1.pretty(indent: inner)
                sub[0] = inner + Self.quoted(member.0) + ": " + sub[0]
                if i < members.count - 1 { sub[sub.count - 1] += "," }
                lines += sub
            }
            return lines + [indent + "}"]
        default:
            return [self.compact]
        }
    }

    /// Python's `str()` of what `json.loads` returns: what get.py's `print` shows.
    /// Strings print bare at the top level and quoted with `repr` inside containers.
    var pythonStr: String {
        if case .string(let s) = self { return s }
        return self.pythonRepr
    }

    var pythonRepr: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .number(let n): return Self.pythonNumber(n)
        case .string(let s): return Self.pythonStringRepr(s)
        case .array(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let members):
            return "{"
                + members.map { Self.pythonStringRepr($0.0) + ": " + $0.1.pythonRepr }
                .joined(separator: ", ") + "}"
        }
    }

    /// Integers print as written; floats as Python prints them where that is easy to get right.
    private static func pythonNumber(_ lexeme: String) -> String {
        if lexeme.contains(where: { $0 == "e" || $0 == "E" }) {
            return Double(lexeme).map { String($0) } ?? lexeme
        }
        return lexeme
    }

    private static func pythonStringRepr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += Self.u4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A strict RFC 8259 parser over bytes, bounded in depth so hostile input cannot overflow the stack.
private struct JSONParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0
    static let maxDepth = 200

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() -> JSONValue? {
        self.skipWhitespace()
        guard let value = self.parseValue() else { return nil }
        self.skipWhitespace()
        return self.index == self.bytes.count ? value : nil
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func literal(_ word: String, _ value: JSONValue) -> JSONValue? {
        let w = Array(word.utf8)
        guard self.index + w.count <= self.bytes.count, Array(self.bytes[self.index..<self.index + w.count]) == w
        else { return nil }
        self.index += w.count
        return value
    }

    private mutating func parseValue() -> JSONValue? {
        guard let c = self.current else { return nil }
        switch c {
        case UInt8(ascii: "n"): return self.literal("null", .null)
        case UInt8(ascii: "t"): return self.literal("true", .bool(true))
        case UInt8(ascii: "f"): return self.literal("false", .bool(false))
        case UInt8(ascii: "\""): return self.parseString().map { .string($0) }
        case UInt8(ascii: "["): return self.nested { $0.parseArray() }
        case UInt8(ascii: "{"): return self.nested { $0.parseObject() }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return self.parseNumber()
        default: return nil
        }
    }

    private mutating func nested(_ body: (inout JSONParser) -> JSONValue?) -> JSONValue? {
        guard self.depth < Self.maxDepth else { return nil }
        self.depth += 1
        defer { self.depth -= 1 }
        return body(&self)
    }

    private mutating func parseArray() -> JSONValue? {
        self.index += 1
        var items: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(items)
        }
        while true {
            self.skipWhitespace()
            guard let item = self.parseValue() else { return nil }
            items.append(item)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(items)
            default: return nil
            }
        }
    }

    private mutating func parseObject() -> JSONValue? {
        self.index += 1
        var members: [(String, JSONValue)] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\""), let key = self.parseString() else { return nil }
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { return nil }
            self.index += 1
            self.skipWhitespace()
            guard let value = self.parseValue() else { return nil }
            members.append((key, value))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: return nil
            }
        }
    }

    private mutating func parseNumber() -> JSONValue? {
        let start = self.index
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, Self.isDigit(first) else { return nil }
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else {
            self.skipDigits()
        }
        if self.current == UInt8(ascii: ".") {
            self.index += 1
            guard let d = self.current, Self.isDigit(d) else { return nil }
            self.skipDigits()
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard let d = self.current, Self.isDigit(d) else { return nil }
            self.skipDigits()
        }
        return .number(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let c = self.current, Self.isDigit(c) { self.index += 1 }
    }

    private mutating func parseString() -> String? {
        self.index += 1
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() -> Bool {
            guard !run.isEmpty else { return true }
            guard let s = String(validating: run, as: UTF8.self) else { return false }
            scalars.append(contentsOf: s.unicodeScalars)
            run.removeAll(keepingCapacity: true)
            return true
        }
        while let c = self.current {
            self.index += 1
            switch c {
            case UInt8(ascii: "\""):
                guard flush() else { return nil }
                return String(scalars)
            case UInt8(ascii: "\\"):
                guard flush(), let e = self.current else { return nil }
                self.index += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard let unit = self.hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(unit), self.current == UInt8(ascii: "\\"),
                        self.index + 1 < self.bytes.count, self.bytes[self.index + 1] == UInt8(ascii: "u")
                    {
                        let save = self.index
                        self.index += 2
                        if let low = self.hex4(), (0xDC00...0xDFFF).contains(low) {
                            let v = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                            continue
                        }
                        self.index = save
                    }
                    // A lone surrogate decodes (as in Python) but cannot be a Swift scalar.
                    scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                default: return nil
                }
            case 0x00..<0x20:
                return nil
            default:
                run.append(c)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard self.index + 4 <= self.bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = self.bytes[self.index]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v * 16 + d
            self.index += 1
        }
        return v
    }
}
