/// A piece of text in one style, for lines built from several styles (titles, hint bar, log lines).
struct Span: Equatable, Sendable {
    var text: String
    var style: CellStyle

    init(_ text: String, _ style: CellStyle) {
        self.text = text
        self.style = style
    }
}
