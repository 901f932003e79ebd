/// A position on the grid, e.g. where the terminal should put its cursor.
public struct GridPoint: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// The whole screen as text and styles: what `renderDashboard` returns and the terminal layer copies out.
///
/// Rendering into a value (not into curses) makes every layout testable as strings and lets the terminal write
/// only the rows that changed. A wide character occupies its cell and the next one, which is a continuation
/// (empty text), so columns always match the terminal's.
public struct CellGrid: Equatable, Sendable {
    /// One cell: its text (one grapheme; empty for the right half of a wide character) and style.
    public struct Cell: Equatable, Sendable {
        public var text: String
        public var style: CellStyle

        public init(text: String, style: CellStyle) {
            self.text = text
            self.style = style
        }

        var isContinuation: Bool { self.text.isEmpty }
    }

    public let width: Int
    public let height: Int
    private(set) var cells: [Cell]
    /// Where the terminal should show its cursor (the focused prompt's insertion point), if anywhere.
    public var cursor: GridPoint?

    public init(width: Int, height: Int, style: CellStyle = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: Cell(text: " ", style: style), count: self.width * self.height)
        self.cursor = nil
    }

    /// The cell at a position; `nil` outside the grid.
    public func cell(x: Int, y: Int) -> Cell? {
        guard x >= 0, y >= 0, x < self.width, y < self.height else { return nil }
        return self.cells[y * self.width + x]
    }

    /// The text of row `y`, each wide character once (so its `TextWidth` equals `width`); "" outside the grid.
    public func row(_ y: Int) -> String {
        guard y >= 0, y < self.height else { return "" }
        var out = ""
        for c in self.cells[(y * self.width)..<((y + 1) * self.width)] { out += c.text }
        return out
    }

    /// All rows, top to bottom: handy for snapshots.
    public var rows: [String] { (0..<self.height).map { self.row($0) } }

    /// Row `y` as maximal runs of one style, left to right.
    public func runs(inRow y: Int) -> [StyledRun] {
        guard y >= 0, y < self.height else { return [] }
        var runs: [StyledRun] = []
        var x = 0
        let base = y * self.width
        while x < self.width {
            let style = self.cells[base + x].style
            let start = x
            var text = ""
            // The right half of a wide character goes with its left half whatever its style: a run starting
            // on it would make curses overwrite the character.
            while x < self.width,
                x == start || self.cells[base + x].style == style || self.cells[base + x].isContinuation
            {
                text += self.cells[base + x].text
                x += 1
            }
            runs.append(StyledRun(x: start, text: text, style: style))
        }
        return runs
    }

    /// Rows that differ from `old` (all of them when there is no old grid or its size differs), so the
    /// terminal redraws nothing while nothing changes.
    public func changedRows(since old: CellGrid?) -> [Int] {
        guard let old, old.width == self.width, old.height == self.height else { return Array(0..<self.height) }
        var changed: [Int] = []
        for y in 0..<self.height {
            let range = (y * self.width)..<((y + 1) * self.width)
            if self.cells[range] != old.cells[range] { changed.append(y) }
        }
        return changed
    }

    // MARK: drawing (internal: only the renderer draws)

    /// Puts one glyph at (x, y) if it fits before `limit` (exclusive column bound); returns the columns used.
    /// A wide glyph that would cross `limit` becomes a space, and any wide character partly overwritten is
    /// replaced by spaces, so no half of a wide character ever remains.
    @discardableResult
    mutating func put(_ glyph: Glyph, x: Int, y: Int, style: CellStyle, limit: Int? = nil) -> Int {
        let bound = min(limit ?? self.width, self.width)
        guard y >= 0, y < self.height, x >= 0, x < bound else { return 0 }
        if glyph.width == 2 && x + 1 >= bound {
            self.setNarrow(" ", x: x, y: y, style: style)
            return 1
        }
        self.setNarrow(glyph.text, x: x, y: y, style: style)
        if glyph.width == 2 {
            self.setNarrow("", x: x + 1, y: y, style: style)
            return 2
        }
        return 1
    }

    /// Writes one cell, first breaking up any wide character it would cut in half.
    private mutating func setNarrow(_ text: String, x: Int, y: Int, style: CellStyle) {
        let i = y * self.width + x
        if self.cells[i].isContinuation, x > 0 {
            self.cells[i - 1].text = " "
        }
        if x + 1 < self.width, self.cells[i + 1].isContinuation {
            self.cells[i + 1].text = " "
        }
        self.cells[i] = Cell(text: text, style: style)
    }

    /// Writes `text` from (x, y) within `width` columns, truncating with "…"; returns the columns used.
    @discardableResult
    mutating func write(_ text: String, x: Int, y: Int, width: Int, style: CellStyle) -> Int {
        self.write(glyphs: TextWidth.fit(text, width: width), x: x, y: y, limit: x + width, style: style)
    }

    @discardableResult
    mutating func write(glyphs: [Glyph], x: Int, y: Int, limit: Int, style: CellStyle) -> Int {
        var cx = x
        for g in glyphs {
            let used = self.put(g, x: cx, y: y, style: style, limit: limit)
            if used == 0 { break }
            cx += used
        }
        return cx - x
    }

    /// Writes styled spans one after another within `width` columns; the overflow is cut with "…" in the style
    /// of the span that overflowed. Returns the columns used.
    @discardableResult
    mutating func write(spans: [Span], x: Int, y: Int, width: Int) -> Int {
        var total = 0
        var all: [(Glyph, CellStyle)] = []
        for span in spans where total <= width {
            // Bounded: a span may be a 10,000-character command of which one line shows.
            for g in TextWidth.glyphs(span.text, maxWidth: width - total) {
                all.append((g, span.style))
                total += g.width
            }
        }
        var cx = x
        let limit = x + width
        if total <= width {
            for (g, style) in all { cx += self.put(g, x: cx, y: y, style: style, limit: limit) }
            return cx - x
        }
        var lastStyle = spans.last?.style ?? .plain
        for (g, style) in all {
            if cx - x + g.width > width - 1 {
                lastStyle = style
                break
            }
            cx += self.put(g, x: cx, y: y, style: style, limit: limit)
        }
        while cx < limit - 1 { cx += self.put(Glyph(text: " ", width: 1), x: cx, y: y, style: lastStyle) }
        if width > 0 { cx += self.put(Glyph(text: "…", width: 1), x: cx, y: y, style: lastStyle, limit: limit) }
        return cx - x
    }

    /// Fills a rectangle with spaces in `style`.
    mutating func fill(_ rect: Rect, style: CellStyle) {
        let r = rect.clipped(width: self.width, height: self.height)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { self.setNarrow(" ", x: x, y: y, style: style) }
        }
    }

    /// Changes the style of existing cells (e.g. the cursor cell or a selected row) keeping their text.
    mutating func restyle(x: Int, y: Int, width: Int, _ transform: (CellStyle) -> CellStyle) {
        guard y >= 0, y < self.height else { return }
        for cx in max(0, x)..<min(self.width, x + width) {
            let i = y * self.width + cx
            self.cells[i].style = transform(self.cells[i].style)
        }
    }

    /// A single-line box around `rect` with an optional title in the top border, like `┌ Title ───┐`.
    mutating func box(_ rect: Rect, style: CellStyle, title: [Span] = []) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let top = rect.y
        let bottom = rect.maxY - 1
        let left = rect.x
        let right = rect.maxX - 1
        let h = Glyph(text: "─", width: 1)
        let v = Glyph(text: "│", width: 1)
        for x in (left + 1)..<right {
            self.put(h, x: x, y: top, style: style)
            self.put(h, x: x, y: bottom, style: style)
        }
        for y in (top + 1)..<bottom {
            self.put(v, x: left, y: y, style: style)
            self.put(v, x: right, y: y, style: style)
        }
        self.put(Glyph(text: "┌", width: 1), x: left, y: top, style: style)
        self.put(Glyph(text: "┐", width: 1), x: right, y: top, style: style)
        self.put(Glyph(text: "└", width: 1), x: left, y: bottom, style: style)
        self.put(Glyph(text: "┘", width: 1), x: right, y: bottom, style: style)
        if !title.isEmpty, rect.width > 4 {
            var spans = [Span(" ", style)]
            spans += title
            spans.append(Span(" ", style))
            self.write(spans: spans, x: left + 1, y: top, width: rect.width - 3)
        }
    }
}
