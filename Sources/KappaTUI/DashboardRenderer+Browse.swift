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
        // A txn column only when the page has a marked record: aborted, open, COMMIT, ABORT.
        let hasMarks = shown.contains { $0.mark != nil }
        let markWidth = hasMarks ? 7 : 0
        let fixed = 2 + offsetWidth + 2 + timeWidth + 2 + (hasMarks ? markWidth + 2 : 0)
        let flexible = max(0, inner.width - fixed - 2)
        let headerWidth = hasHeaders ? min(24, flexible / 4) : 0
        let keyWidth = min(20, max(8, (flexible - headerWidth) / 4))
        let valueWidth = max(0, flexible - headerWidth - keyWidth - (hasHeaders ? 2 : 0))
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String { TextWidth.pad(s, width: w, alignRight: right) }
        var header =
            "  " + pad("offset", offsetWidth, right: true) + "  " + pad("timestamp", timeWidth) + "  "
            + (hasMarks ? pad("txn", markWidth) + "  " : "") + pad("key", keyWidth) + "  " + pad("value", valueWidth)
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
            let isMarker = r.mark?.isMarker == true
            var text =
                (i == browse.recordCursor ? "▶ " : "  ") + pad(String(r.offset), offsetWidth, right: true) + "  "
                + pad(TimeFormat.dateTime(r.timestamp, utcOffsetSeconds: self.state.utcOffsetSeconds), timeWidth) + "  "
                + (hasMarks ? pad(r.mark?.rawValue ?? "", markWidth) + "  " : "")
                + (isMarker
                    ? pad("── control record: end of a transaction ──", keyWidth + 2 + valueWidth)
                    : pad(BrowseFormat.cell(r.key), keyWidth) + "  " + pad(BrowseFormat.cell(r.value), valueWidth))
            if hasHeaders { text += "  " + pad(isMarker ? "" : BrowseFormat.headers(r.headers), headerWidth) }
            let role: ThemeRole =
                switch r.mark {
                case .aborted?, .commitMarker?, .abortMarker?: .dim
                case .open?: .accent
                case nil: .text
                }
            self.grid.write(text, x: inner.x, y: y, width: inner.width, style: self.style(role))
            if i == browse.recordCursor { self.selectRow(y, inner) }
        }
    }

    private mutating func renderBrowseDetail(_ browse: BrowseState, _ inner: Rect) {
        guard let r = browse.selectedRecord else { return }
        let width = inner.width - 1
        guard width > 0 else { return }
        // Text is wrapped to the pane (a 5,000-character line reads whole); a hex dump is made only for the
        // lines on screen, so a 1 MB binary value pages to its end without formatting all of it per frame.
        var pieces: [DetailPiece] = []
        func text(_ line: String, _ role: ThemeRole) {
            pieces.append(.rows([(TextWidth.fit(line, width: width), role)]))
        }
        func body(_ body: DetailBody) {
            switch body.content {
            case .lines(let lines):
                var rows: [([Glyph], ThemeRole)] = []
                for line in lines {
                    for row in TextWidth.wrap(TextWidth.glyphs(line), width: width - 2) {
                        rows.append(([Glyph(text: " ", width: 1), Glyph(text: " ", width: 1)] + row, .text))
                    }
                }
                pieces.append(.rows(rows))
            case .hex:
                pieces.append(.hex(body))
            }
        }
        text("topic \(r.topic) · partition \(r.partition) · offset \(r.offset)", .header)
        text(
            "timestamp " + TimeFormat.dateTime(r.timestamp, utcOffsetSeconds: self.state.utcOffsetSeconds)
                + " (\(r.timestamp) ms)", .text)
        switch r.mark {
        case .aborted?: text("transaction aborted: read_committed consumers never see this record", .accent)
        case .open?: text("transaction still open: read_committed consumers wait at the LSO before it", .accent)
        case .commitMarker?: text("control record: the COMMIT marker that ends a transaction", .accent)
        case .abortMarker?: text("control record: the ABORT marker that ends a transaction", .accent)
        case nil: break
        }
        text("", .text)
        let key = BrowseFormat.detail(r.key)
        text("key (\(key.kind))", .header)
        body(key)
        text("", .text)
        let value = BrowseFormat.detail(r.value)
        text("value (\(value.kind))", .header)
        body(value)
        text("", .text)
        text("headers (\(r.headers.count))", .header)
        for h in r.headers {
            let v = h.value.map { String(validating: $0, as: UTF8.self) ?? BytesFormat.pythonRepr($0) } ?? "null"
            text("  " + h.key + " = " + v, .text)
        }
        let total = pieces.reduce(0) { $0 + $1.count }
        let scroll = min(browse.detailScroll, max(0, total - inner.height))
        var skip = scroll
        var y = inner.y
        for piece in pieces where y < inner.maxY {
            if skip >= piece.count {
                skip -= piece.count
                continue
            }
            for i in skip..<piece.count where y < inner.maxY {
                let (glyphs, role) = piece.row(i, width: width)
                self.grid.write(
                    glyphs: glyphs, x: inner.x + 1, y: y, limit: inner.x + 1 + width, style: self.style(role))
                y += 1
            }
            skip = 0
        }
    }
}
