/// A key or value in Browse's record view: its kind ("binary, 1000000 bytes") and lines made on demand, so a
/// 1 MB binary value pages through 62,500 hex lines while a frame formats only those on screen.
struct DetailBody {
    enum Content {
        case lines([String])
        case hex([UInt8])
    }

    var kind: String
    var content: Content

    static let bytesPerHexLine = 16

    var lineCount: Int {
        switch self.content {
        case .lines(let lines): lines.count
        case .hex(let bytes): max(1, (bytes.count + Self.bytesPerHexLine - 1) / Self.bytesPerHexLine)
        }
    }

    /// Line `i`, 0..<lineCount.
    func line(_ i: Int) -> String {
        switch self.content {
        case .lines(let lines):
            return lines.indices.contains(i) ? lines[i] : ""
        case .hex(let bytes):
            guard !bytes.isEmpty else { return "(empty)" }
            return BytesFormat.hexLine(bytes, offset: i * Self.bytesPerHexLine, bytesPerLine: Self.bytesPerHexLine)
        }
    }
}
