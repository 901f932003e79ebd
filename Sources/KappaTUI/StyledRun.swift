/// A maximal stretch of one row in one style: what the terminal writes with a single `mvaddstr`.
public struct StyledRun: Equatable, Sendable {
    /// Column of the run's first cell.
    public var x: Int
    /// The run's text; a wide character appears once and covers two columns.
    public var text: String
    public var style: CellStyle

    public init(x: Int, text: String, style: CellStyle) {
        self.x = x
        self.text = text
        self.style = style
    }
}
