/// The hint bar and the help overlay.
extension DashboardRenderer {
    /// Keys for the current context on the left; a status message or a summary on the right.
    mutating func renderHintBar(_ rect: Rect) {
        guard !rect.isEmpty else { return }
        self.grid.fill(rect, style: self.style(.statusBar))
        let left = self.keySpans(self.hints())
        let leftWidth = left.reduce(0) { $0 + TextWidth.width($1.text) }
        let right: Span
        if let status = self.state.statusMessage {
            // A status message matters more than the key list: it gets all but a few columns.
            right = Span(" " + status + " ", self.style(.status))
        } else {
            let s = self.state
            let rate = Sparkline.rate(s.offsets.currentRate, unit: " msg/s")
            let long = "topics \(s.topics.count) · groups \(s.groups.count) · \(s.consumer.received) msgs · \(rate) "
            let short = "\(s.consumer.received) msgs · \(rate) "
            let room = rect.width - leftWidth - 1
            right = Span(
                TextWidth.width(long) <= room ? long : (TextWidth.width(short) <= room ? short : ""),
                self.style(.statusBar))
        }
        let rightWidth = min(TextWidth.width(right.text), max(0, rect.width - 12))
        self.grid.write(spans: left, x: rect.x, y: rect.y, width: max(0, rect.width - rightWidth - 1))
        if rightWidth > 0 {
            self.grid.write(spans: [right], x: rect.maxX - rightWidth, y: rect.y, width: rightWidth)
        }
    }

    /// The keys that work where the focus is.
    func hints() -> [(String, String)] {
        let s = self.state
        if s.showingHelp { return [("any key", "close help")] }
        if let browse = s.browse {
            if browse.input != nil { return [("Enter", "apply"), ("Esc", "cancel")] }
            switch browse.level {
            case .topics:
                return [("↑↓", "select"), ("Enter", "partitions"), ("Esc", "back"), ("?", "help"), ("q", "quit")]
            case .partitions:
                return [("↑↓", "select"), ("Enter", "records"), ("Esc", "topics"), ("?", "help"), ("q", "quit")]
            case .records:
                return [
                    ("↑↓", "move"), ("Enter", "open"), ("o", "offset"), ("t", "time"), ("/", "filter"),
                    ("x", "markers"), ("g/G", "first/last"), ("Esc", "back"), ("q", "quit"),
                ]
            case .detail: return [("↑↓", "scroll"), ("n/N", "next/prev"), ("Esc", "back"), ("q", "quit")]
            }
        }
        switch s.focus {
        case .kafkaTerm:
            return [
                ("Tab", "focus"), ("Enter", "run"), ("↑↓", "history"), ("PgUp/Dn", "scroll"), ("F1", "help"),
                ("F2", "browse"), ("^C", "quit"),
            ]
        case .producerTerm:
            return [
                ("Tab", "focus"), ("Enter", "send"), ("↑↓", "history"), (":help", "settings"),
                ("F1", "help"), ("^C", "quit"),
            ]
        case .consumerTerm:
            if s.consumer.input != nil { return [("Enter", "apply"), ("Esc", "cancel")] }
            return [
                ("Tab", "focus"), ("p", s.consumer.paused ? "resume" : "pause"), ("f", "follow"), ("c", "clear"),
                ("o", "prefix"), ("d", "deser"), (":", "command"), ("/", "filter"), ("b", "browse"), ("?", "help"),
                ("q", "quit"),
            ]
        case .offsets:
            return [
                ("Tab", "focus"), ("↑↓", "select"), ("Enter", "browse partition"), ("b", "browse"), ("?", "help"),
                ("q", "quit"),
            ]
        }
    }

    static let helpLines: [(String, String)] = [
        ("", "Everywhere"),
        ("Tab / Shift-Tab", "move focus between panes"),
        ("F1, ?", "this help (? only where no prompt has focus)"),
        ("F2, b", "Browse the selected topic (b in Offsets and Consumer-Term)"),
        ("q", "quit where no prompt has focus; Ctrl-C always quits"),
        ("↑↓ j/k g/G PgUp/PgDn", "move and scroll"),
        ("", "Kafka-Term"),
        ("Enter", "run a command: kafka-topics.sh …, kafka-consumer-groups.sh …, help"),
        ("↑↓  PgUp/PgDn  Esc", "history · scroll the log · clear the line"),
        ("", "Producer-Term"),
        ("KEY:VALUE Enter", "send (no separator: null key); ↑↓ history"),
        (":topic :serializer :sep", ":partition :header :headers :clear :help"),
        (":txn begin|commit|abort", "send the lines between begin and commit/abort as one transaction"),
        ("", "Consumer-Term"),
        ("p f c o d", "pause · follow · clear · partition/offset prefix · deserializer"),
        (": /", ":group NAME, :topic NAME · filter lines (Esc clears)"),
        (":isolation LEVEL", "read_committed (default) or read_uncommitted: recreates the consumer"),
        ("", "Offsets"),
        ("↑↓ Enter", "select a partition · open it in Browse"),
        ("", "Browse"),
        ("Enter Esc", "open · back"),
        ("o t /", "jump to offset · jump to time · filter key/value"),
        ("x", "show/hide transaction markers (COMMIT/ABORT); txn column: aborted, open"),
    ]

    /// A centred box listing the keys; drawn over everything else.
    mutating func renderHelp() {
        let screen = Rect(x: 0, y: 0, width: self.grid.width, height: self.grid.height - 1)
        let keyWidth = Self.helpLines.map { TextWidth.width($0.0) }.max() ?? 0
        let box = screen.centered(
            width: min(screen.width - 4, 96), height: min(screen.height - 2, Self.helpLines.count + 2))
        guard box.width > 10, box.height > 2 else { return }
        self.grid.fill(box, style: self.style(.text))
        self.grid.box(
            box, style: self.style(.borderFocused), title: [Span("Help · any key closes", self.style(.titleFocused))])
        let inner = box.inner
        for (i, (key, text)) in Self.helpLines.prefix(inner.height).enumerated() {
            let y = inner.y + i
            if key.isEmpty {
                self.grid.write(text, x: inner.x + 1, y: y, width: inner.width - 1, style: self.style(.header))
            } else {
                self.grid.write(
                    spans: [
                        Span("  " + TextWidth.pad(key, width: keyWidth) + "  ", self.style(.accent)),
                        Span(text, self.style(.text)),
                    ], x: inner.x, y: y, width: inner.width)
            }
        }
    }
}
