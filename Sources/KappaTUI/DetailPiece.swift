/// Rows of Browse's record view: laid out ahead, or a hex dump formatted a row at a time.
enum DetailPiece {
    case rows([([Glyph], ThemeRole)])
    case hex(DetailBody)

    var count: Int {
        switch self {
        case .rows(let rows): rows.count
        case .hex(let body): body.lineCount
        }
    }

    func row(_ i: Int, width: Int) -> ([Glyph], ThemeRole) {
        switch self {
        case .rows(let rows): rows[i]
        case .hex(let body): (TextWidth.fit("  " + body.line(i), width: width), .text)
        }
    }
}
