/// Browse, full screen: the topic list, a topic's partitions, a page of records, one record in detail.
extension DashboardRenderer {
    mutating func renderBrowse(_ browse: BrowseState) {
        let rect = Rect(x: 0, y: 0, width: self.grid.width, height: self.grid.height - 1)
        let border = self.style(.borderFocused)
        var title = [Span("Browse", self.style(.titleFocused))]
        if let topic = browse.topic, browse.level != .topics { title.append(Span(" · " + topic, self.style(.title))) }
        if let p = browse.partition, browse.level == .records || browse.level == .detail {
            title.append(Span(" › partition \(p)", self.style(.title)))
            if let first = browse.records.first?.offset, let last = browse.records.last?.offset {
                title.append(Span(" ─ offsets \(first)–\(last) of \(browse.endOffset)", border))
            }
        }
        if !browse.filter.isEmpty { title.append(Span(" · filter '\(browse.filter)'", self.style(.accent))) }
        if browse.loading { title.append(Span(" · loading…", self.style(.dim))) }
        self.grid.box(rect, style: border, title: title)
        var inner = rect.inner
        guard inner.height > 1, inner.width > 0 else { return }
        // The bottom row is for the input prompt or a message.
        let bottom = inner.maxY - 1
        inner.height -= 1
        switch browse.level {
        case .topics: self.renderBrowseTopics(browse, inner)
        case .partitions: self.renderBrowsePartitions(browse, inner)
        case .records: self.renderBrowseRecords(browse, inner)
        case .detail: self.renderBrowseDetail(browse, inner)
        }
        if let input = browse.input {
            let label =
                switch input.mode {
                case .offset: "offset: "
                case .time: "time (2026-11-24T19:21:00 or ms): "
                case .filter: "filter: "
                }
            self.prompt(
                label, input.editor, x: inner.x, y: bottom, width: inner.width, focused: !self.state.showingHelp)
        } else if let message = browse.message {
            self.grid.write(message, x: inner.x, y: bottom, width: inner.width, style: self.style(.dim))
        }
    }

    /// Where a list scrolls so the cursor row is visible.
    private func top(cursor: Int, rows: Int) -> Int { cursor < rows ? 0 : cursor - rows + 1 }

    private mutating func selectRow(_ y: Int, _ rect: Rect) {
        let selection = self.style(.selection)
        self.grid.restyle(x: rect.x, y: y, width: rect.width) { _ in selection }
    }

    private mutating func renderBrowseTopics(_ browse: BrowseState, _ inner: Rect) {
        let topics = self.state.topics
        if topics.isEmpty {
            self.grid.write(
                browse.loading ? "loading topics…" : "no topics", x: inner.x + 1, y: inner.y, width: inner.width - 1,
                style: self.style(.dim))
            return
        }
        self.grid.write(" topic", x: inner.x, y: inner.y, width: inner.width, style: self.style(.header))
        let rows = inner.height - 1
        let top = self.top(cursor: browse.topicCursor, rows: rows)
        for (i, topic) in topics.enumerated().dropFirst(top).prefix(rows) {
            let y = inner.y + 1 + i - top
            let marker = i == browse.topicCursor ? "▶ " : "  "
            let note = topic == self.state.topic ? "   (selected)" : ""
            self.grid.write(marker + topic + note, x: inner.x, y: y, width: inner.width, style: self.style(.text))
            if i == browse.topicCursor { self.selectRow(y, inner) }
        }
    }

    private mutating func renderBrowsePartitions(_ browse: BrowseState, _ inner: Rect) {
        if browse.partitions.isEmpty {
            self.grid.write(
                browse.loading ? "loading partitions…" : "no partitions", x: inner.x + 1, y: inner.y,
                width: inner.width - 1, style: self.style(.dim))
            return
        }
        func pad(_ s: String, _ w: Int) -> String { TextWidth.pad(s, width: w, alignRight: true) }
        self.grid.write(
            "   " + pad("partition", 9) + "  " + pad("start", 12) + "  " + pad("end", 12) + "  " + pad("records", 12),
            x: inner.x, y: inner.y, width: inner.width, style: self.style(.header))
        let rows = inner.height - 1
        let top = self.top(cursor: browse.partitionCursor, rows: rows)
        for (i, p) in browse.partitions.enumerated().dropFirst(top).prefix(rows) {
            let y = inner.y + 1 + i - top
            let marker = i == browse.partitionCursor ? " ▶ " : "   "
            let text =
                marker + pad(String(p.partition), 9) + "  " + pad(String(p.startOffset), 12) + "  "
                + pad(String(p.endOffset), 12) + "  " + pad(String(p.messageCount), 12)
            self.grid.write(text, x: inner.x, y: y, width: inner.width, style: self.style(.text))
            if i == browse.partitionCursor { self.selectRow(y, inner) }
        }
    }

    private mutating func renderBrowseRecords(_ browse: BrowseState, _ inner: Rect) {
        let shown = browse.shownRecords
        let offsetWidth = max(6, String(browse.endOffset).count)
        let timeWidth = 23
        let hasHeaders = shown.contains { !$0.headers.isEmpty }
        let fixed = 2 + offsetWidth + 2 + timeWidth + 2
        let flexible = max(0, inner.width - fixed - 2)
        let headerWidth = hasHeaders ? min(24, flexible / 4) : 0
        let keyWidth = min(20, max(8, (flexible - headerWidth) / 4))
        let valueWidth = max(0, flexible - headerWidth - keyWidth - (hasHeaders ? 2 : 0))
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String { TextWidth.pad(s, width: w, alignRight: right) }
        var header =
            "  " + pad("offset", offsetWidth, right: true) + "  " + pad("timestamp", timeWidth) + "  "
            + pad("key", keyWidth) + "  " + pad("value", valueWidth)
        if hasHeaders { header += "  " + pad("headers", headerWidth) }
        self.grid.write(header, x: inner.x, y: inner.y, width: inner.width, style: self.style(.header))
        if shown.isEmpty {
            let text =
                browse.loading
                ? "loading records…" : (browse.records.isEmpty ? "" : "no record on this page matches the filter")
            self.grid.write(text, x: inner.x + 2, y: inner.y + 1, width: inner.width - 2, style: self.style(.dim))
            return
        }
        let rows = inner.height - 1
        let top = self.top(cursor: browse.recordCursor, rows: rows)
        for (i, r) in shown.enumerated().dropFirst(top).prefix(rows) {
            let y = inner.y + 1 + i - top
            var text =
                (i == browse.recordCursor ? "▶ " : "  ") + pad(String(r.offset), offsetWidth, right: true) + "  "
                + pad(TimeFormat.dateTime(r.timestamp, utcOffsetSeconds: self.state.utcOffsetSeconds), timeWidth) + "  "
                + pad(BrowseFormat.cell(r.key), keyWidth) + "  " + pad(BrowseFormat.cell(r.value), valueWidth)
            if hasHeaders { text += "  " + pad(BrowseFormat.headers(r.headers), headerWidth) }
            self.grid.write(text, x: inner.x, y: y, width: inner.width, style: self.style(.text))
            if i == browse.recordCursor { self.selectRow(y, inner) }
        }
    }

    private mutating func renderBrowseDetail(_ browse: BrowseState, _ inner: Rect) {
        guard let r = browse.selectedRecord else { return }
        var lines: [(String, ThemeRole)] = [
            ("topic \(r.topic) · partition \(r.partition) · offset \(r.offset)", .header),
            (
                "timestamp " + TimeFormat.dateTime(r.timestamp, utcOffsetSeconds: self.state.utcOffsetSeconds)
                    + " (\(r.timestamp) ms)", .text
            ),
            ("", .text),
        ]
        let key = BrowseFormat.detail(r.key)
        lines.append(("key (\(key.kind))", .header))
        lines += key.lines.map { ("  " + $0, .text) }
        lines.append(("", .text))
        let value = BrowseFormat.detail(r.value)
        lines.append(("value (\(value.kind))", .header))
        lines += value.lines.map { ("  " + $0, .text) }
        lines.append(("", .text))
        lines.append(("headers (\(r.headers.count))", .header))
        for h in r.headers {
            let v = h.value.map { String(validating: $0, as: UTF8.self) ?? BytesFormat.pythonRepr($0) } ?? "null"
            lines.append(("  " + h.key + " = " + v, .text))
        }
        let scroll = min(browse.detailScroll, max(0, lines.count - inner.height))
        for (i, (text, role)) in lines.dropFirst(scroll).prefix(inner.height).enumerated() {
            self.grid.write(text, x: inner.x + 1, y: inner.y + i, width: inner.width - 1, style: self.style(role))
        }
    }
}
