/// Renderings of raw bytes: Python's bytes repr for one-line views, hex + ASCII for the record detail.
enum BytesFormat {
    /// `b'\x00ab'`, as Python prints bytes that get.py could not decode.
    static func pythonRepr(_ bytes: [UInt8]) -> String {
        var out = "b'"
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "'"): out += "\\'"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\x" + Self.hex2(b)
            }
        }
        return out + "'"
    }

    /// The start of a longer text, as UTF-8 when it is (a character cut at the end is dropped), else as
    /// Python's bytes repr.
    static func textStart(_ bytes: ArraySlice<UInt8>) -> String {
        var end = bytes.endIndex
        // Back off at most three bytes: a UTF-8 sequence is four bytes at most.
        for _ in 0..<4 {
            if let text = String(validating: bytes[bytes.startIndex..<end], as: UTF8.self) { return text }
            guard end > bytes.startIndex, bytes[end - 1] & 0x80 != 0 else { break }
            end -= 1
        }
        return Self.pythonRepr(Array(bytes))
    }

    /// Lines of `0000  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a  Hello world.` with `bytesPerLine` bytes each.
    static func hexDump(_ bytes: [UInt8], bytesPerLine: Int = 16) -> [String] {
        guard !bytes.isEmpty else { return ["(empty)"] }
        let perLine = max(1, bytesPerLine)
        return stride(from: 0, to: bytes.count, by: perLine).map {
            Self.hexLine(bytes, offset: $0, bytesPerLine: perLine)
        }
    }

    /// The dump line of the `bytesPerLine` bytes from `offset` ("" past the end).
    static func hexLine(_ bytes: [UInt8], offset: Int, bytesPerLine: Int) -> String {
        let perLine = max(1, bytesPerLine)
        guard offset >= 0, offset < bytes.count else { return "" }
        let chunk = bytes[offset..<min(offset + perLine, bytes.count)]
        var hex = ""
        for (i, b) in chunk.enumerated() {
            if i > 0 { hex += (i == 8 ? "  " : " ") }
            hex += Self.hex2(b)
        }
        let hexWidth = perLine * 3 - 1 + (perLine > 8 ? 1 : 0)
        hex += String(repeating: " ", count: max(0, hexWidth - hex.count))
        let ascii = String(chunk.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "." })
        let off = String(offset, radix: 16)
        return String(repeating: "0", count: max(0, 4 - off.count)) + off + "  " + hex + "  " + ascii
    }

    static func hex2(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count < 2 ? "0" + s : s
    }
}
