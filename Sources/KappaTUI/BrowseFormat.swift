/// How Browse shows keys, values and headers: compact JSON where the bytes are JSON (so a JSON string keeps
/// its quotes and you can tell `"MYID"` from `MYID`), text where they are UTF-8, Python's bytes repr otherwise.
enum BrowseFormat {
    static func cell(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "null" }
        if let json = JSONValue.parse(bytes) { return json.compact }
        return String(validating: bytes, as: UTF8.self) ?? BytesFormat.pythonRepr(bytes)
    }

    static func headers(_ headers: [HeaderPair]) -> String {
        headers.map {
            $0.key + "="
                + ($0.value.map { String(validating: $0, as: UTF8.self) ?? BytesFormat.pythonRepr($0) } ?? "null")
        }
        .joined(separator: " ")
    }

    /// The detail view of bytes: pretty JSON, text lines, or a hex + ASCII dump.
    static func detail(_ bytes: [UInt8]?) -> (kind: String, lines: [String]) {
        guard let bytes else { return ("null", ["null"]) }
        if let json = JSONValue.parse(bytes) { return ("JSON, \(bytes.count) bytes", json.pretty()) }
        if let text = String(validating: bytes, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" })
        {
            return (
                "text, \(bytes.count) bytes",
                text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            )
        }
        return ("binary, \(bytes.count) bytes", BytesFormat.hexDump(bytes))
    }
}
