/// How one cell looks: colours and the attributes every terminal has.
public struct CellStyle: Hashable, Sendable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(
        foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault,
        bold: Bool = false, reverse: Bool = false, underline: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    /// The terminal's own colours, no attributes.
    public static let plain = CellStyle()

    /// The same style with reverse video toggled: used for the cursor cell and selections in monochrome.
    var inverted: CellStyle {
        var s = self
        s.reverse.toggle()
        return s
    }
}
