/// How Browse shows keys, values and headers: compact JSON where the bytes are JSON (so a JSON string keeps
/// its quotes and you can tell `"MYID"` from `MYID`), text where they are UTF-8, Python's bytes repr otherwise.
enum BrowseFormat {
    /// Bytes of text or JSON the detail view lays out; a longer value shows its start (binary is dumped whole,
    /// a line at a time, so it pages to the end).
    static let detailTextLimit = 64 * 1024

    /// One table cell; bytes over `Deserializer.displayLimit` show their start and their size, so a page of
    /// 1 MB values redraws as fast as a page of words.
    static func cell(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "null" }
        if bytes.count > Deserializer.displayLimit {
            return BytesFormat.textStart(bytes.prefix(Deserializer.displayLimit)) + "… (\(bytes.count) bytes)"
        }
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
    static func detail(_ bytes: [UInt8]?) -> DetailBody {
        guard let bytes else { return DetailBody(kind: "null", content: .lines(["null"])) }
        if bytes.count <= Self.detailTextLimit, let json = JSONValue.parse(bytes) {
            return DetailBody(kind: "JSON, \(bytes.count) bytes", content: .lines(json.pretty()))
        }
        let cut = bytes.count > Self.detailTextLimit
        let start = bytes.prefix(Self.detailTextLimit)
        let text = cut ? Self.validPrefix(start) : String(validating: start, as: UTF8.self)
        if let text, !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" })
        {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var kind = "text, \(bytes.count) bytes"
            if cut {
                kind += ", the first \(text.utf8.count) shown"
                lines.append("… \(bytes.count - text.utf8.count) more bytes")
            }
            return DetailBody(kind: kind, content: .lines(lines))
        }
        return DetailBody(kind: "binary, \(bytes.count) bytes", content: .hex(bytes))
    }

    /// The longest valid UTF-8 start of `bytes` short of at most three bytes (a character cut at the end).
    private static func validPrefix(_ bytes: ArraySlice<UInt8>) -> String? {
        var end = bytes.endIndex
        for _ in 0..<4 {
            if let text = String(validating: bytes[bytes.startIndex..<end], as: UTF8.self) { return text }
            guard end > bytes.startIndex else { return nil }
            end -= 1
        }
        return nil
    }
}
