/// Draws the dashboard into a `CellGrid`: a pure function of the state, the size and the theme.
///
/// The terminal layer only copies the grid's changed rows out, so everything about looks is decided (and
/// tested) here.
public func renderDashboard(_ state: DashboardState, width: Int, height: Int, theme: Theme) -> CellGrid {
    var renderer = DashboardRenderer(state: state, width: width, height: height, theme: theme)
    renderer.render()
    return renderer.grid
}

/// The drawing routines behind `renderDashboard`, split by pane across files.
struct DashboardRenderer {
    let state: DashboardState
    let theme: Theme
    let layout: DashboardLayout
    var grid: CellGrid

    init(state: DashboardState, width: Int, height: Int, theme: Theme) {
        self.state = state
        self.theme = theme
        self.layout = DashboardLayout(
            width: width, height: height, partitionCount: state.offsets.snapshot?.partitions.count ?? 1)
        self.grid = CellGrid(width: width, height: height, style: theme.style(.text))
    }

    func style(_ role: ThemeRole) -> CellStyle { self.theme.style(role) }

    mutating func render() {
        guard !self.layout.tooSmall else {
            self.renderTooSmall()
            return
        }
        if let browse = self.state.browse {
            self.renderBrowse(browse)
        } else {
            self.renderKafkaTerm(self.layout.kafka)
            if self.layout.offsetsFolded {
                self.renderOffsetsFolded(self.layout.offsets)
            } else {
                self.renderOffsets(self.layout.offsets)
            }
            self.renderProducerTerm(self.layout.producer)
            self.renderConsumerTerm(self.layout.consumer)
        }
        self.renderHintBar(self.layout.hintBar)
        if self.state.showingHelp {
            self.grid.cursor = nil
            self.renderHelp()
        }
    }

    /// One centred message, so a tiny terminal never shows a garbled layout; wrapped at spaces when the
    /// terminal is narrower than it (a 20x6 terminal still reads what it needs).
    private mutating func renderTooSmall() {
        let w = self.grid.width
        let h = self.grid.height
        guard w > 0, h > 0 else { return }
        let words = [
            "Terminal", "too", "small:", "\(w)x\(h),", "need", "at", "least",
            "\(DashboardLayout.minWidth)x\(DashboardLayout.minHeight)",
        ]
        var lines: [String] = []
        for word in words {
            if let last = lines.last, TextWidth.width(last) + 1 + TextWidth.width(word) <= w {
                lines[lines.count - 1] = last + " " + word
            } else {
                lines.append(word)
            }
        }
        let shown = lines.prefix(h)
        let top = (h - shown.count) / 2
        for (i, line) in shown.enumerated() {
            let lineWidth = min(w, TextWidth.width(line))
            self.grid.write(line, x: (w - lineWidth) / 2, y: top + i, width: w, style: self.style(.accent))
        }
    }

    // MARK: shared pieces

    /// A pane's border and title; the focused pane's border is in the focus colour.
    mutating func frame(_ rect: Rect, pane: Pane, details: [Span]) {
        let focused = self.state.focus == pane && self.state.browse == nil
        let border = self.style(focused ? .borderFocused : .border)
        var title = [Span(pane.title, self.style(focused ? .titleFocused : .title))]
        for span in details {
            title.append(Span(" · ", border))
            title.append(span)
        }
        self.grid.box(rect, style: border, title: title)
    }

    /// A prompt line: the label, then the input scrolled so the cursor stays visible. Sets the grid's cursor
    /// and reverses the cursor cell when `focused`.
    mutating func prompt(_ label: String, _ editor: LineEditor, x: Int, y: Int, width: Int, focused: Bool) {
        guard width > 0 else { return }
        let labelWidth = self.grid.write(label, x: x, y: y, width: width, style: self.style(.prompt))
        let available = width - labelWidth
        guard available > 0 else { return }
        let chars = editor.text
        let cursor = min(editor.cursor, chars.count)
        // Walk back from the cursor while the text before it leaves a column for the cursor: the cost is what
        // shows, not the line (a 10,000-character paste redraws as fast as a word).
        var start = cursor
        var before = 0
        while start > 0 {
            let w = TextWidth.width(of: chars[start - 1])
            if before + w > available - 1 { break }
            before += w
            start -= 1
        }
        // Every character takes at least one column, so `available` characters past the cursor fill the line.
        let end = min(chars.count, cursor + available)
        let inputX = x + labelWidth
        self.grid.write(
            glyphs: TextWidth.glyphs(String(chars[start..<end]), maxWidth: available), x: inputX, y: y,
            limit: x + width, style: self.style(.text))
        guard focused else { return }
        let cursorX = inputX + before
        if cursorX < x + width {
            self.grid.cursor = GridPoint(x: cursorX, y: y)
            let cellWidth = cursor < chars.count ? max(1, TextWidth.width(of: chars[cursor])) : 1
            self.grid.restyle(x: cursorX, y: y, width: cellWidth) { $0.inverted }
        }
    }

    /// A line of the hint bar or help: keys in the key style, then their meaning.
    func keySpans(_ pairs: [(String, String)]) -> [Span] {
        var spans = [Span(" ", self.style(.statusBar))]
        for (key, meaning) in pairs {
            spans.append(Span(key, self.style(.keyHint)))
            spans.append(Span(" " + meaning + "  ", self.style(.statusBar)))
        }
        return spans
    }
}
