import DequeModule

/// The Offsets pane: a table per partition (start, end, committed and lag per group, rate sparkline), or one
/// summary line on small terminals.
extension DashboardRenderer {
    mutating func renderOffsets(_ rect: Rect) {
        let offsets = self.state.offsets
        var details = [Span(self.state.topic, self.style(.title))]
        guard let snapshot = offsets.snapshot else {
            self.frame(rect, pane: .offsets, details: details)
            self.grid.write(
                "waiting for offsets of \(self.state.topic)…", x: rect.inner.x, y: rect.inner.y,
                width: rect.inner.width, style: self.style(.dim))
            return
        }
        let inner = rect.inner
        let table = OffsetsTable(snapshot: snapshot, rates: offsets.partitionRates, width: inner.width)
        if table.hiddenGroups > 0 { details.append(Span("+\(table.hiddenGroups) groups", self.style(.accent))) }
        self.frame(rect, pane: .offsets, details: details)
        guard inner.height > 0, inner.width > 0 else { return }
        self.grid.write(table.header, x: inner.x, y: inner.y, width: inner.width, style: self.style(.header))
        let rowCount = max(0, inner.height - 2)
        // Keep the selected row visible.
        let top = offsets.selectedRow < rowCount ? 0 : offsets.selectedRow - rowCount + 1
        let focused = self.state.focus == .offsets
        for (i, row) in table.rows.enumerated().dropFirst(top).prefix(rowCount) {
            let y = inner.y + 1 + i - top
            self.grid.write(row.text, x: inner.x, y: y, width: inner.width, style: self.style(.text))
            if row.sparkWidth > 0 {
                self.grid.write(
                    row.spark, x: inner.x + row.sparkX, y: y, width: min(row.sparkWidth, inner.width - row.sparkX),
                    style: self.style(.sparkline))
            }
            if focused && i == offsets.selectedRow {
                let selection = self.style(.selection)
                self.grid.restyle(x: inner.x, y: y, width: inner.width) { _ in selection }
            }
        }
        if inner.height >= 2 {
            self.grid.write(table.total, x: inner.x, y: inner.maxY - 1, width: inner.width, style: self.style(.accent))
        }
    }

    /// One line, for terminals too short for the table.
    mutating func renderOffsetsFolded(_ rect: Rect) {
        let focused = self.state.focus == .offsets
        var spans = [
            Span(" Offsets", self.style(focused ? .titleFocused : .title)),
            Span(" · " + self.state.topic, self.style(.title)),
        ]
        guard let snapshot = self.state.offsets.snapshot else {
            spans.append(Span(" · waiting for offsets…", self.style(.dim)))
            self.grid.write(spans: spans, x: rect.x, y: rect.y, width: rect.width)
            return
        }
        let parts = snapshot.partitions
        let messages = parts.reduce(Int64(0)) { $0 + $1.messageCount }
        spans.append(Span(" · \(parts.count)p · \(messages) msgs · ", self.style(.text)))
        spans.append(Span(Sparkline.rate(self.state.offsets.currentRate) + " ", self.style(.accent)))
        spans.append(
            Span(Sparkline.render(self.state.offsets.totalRates, width: 8).trimmingSpaces, self.style(.sparkline)))
        var first = true
        for group in snapshot.groups.sorted(by: { $0.group < $1.group }) {
            let lag = parts.compactMap { group.lag(partition: $0.partition, endOffset: $0.endOffset) }
            let text = lag.isEmpty ? "–" : String(lag.reduce(0, +))
            spans.append(Span((first ? " · lag " : " · ") + "\(group.group) \(text)", self.style(.text)))
            first = false
        }
        self.grid.write(spans: spans, x: rect.x, y: rect.y, width: rect.width)
    }
}

/// The Offsets table as text columns, fitted to a width: groups that do not fit are left out (and counted).
struct OffsetsTable {
    struct Row {
        var text: String
        var spark: String
        var sparkX: Int
        var sparkWidth: Int
    }

    private struct GroupColumn {
        var group: GroupOffsets
        var nameWidth: Int
        var lagWidth: Int
    }

    var header: String
    var rows: [Row]
    var total: String
    var hiddenGroups: Int

    init(snapshot: OffsetsSnapshot, rates: [Int32: Deque<Double>], width: Int) {
        let parts = snapshot.partitions.sorted { $0.partition < $1.partition }
        let groups = snapshot.groups.sorted { $0.group < $1.group }
        func digits(_ values: [Int64], min minimum: Int) -> Int {
            max(minimum, values.map { String($0).count }.max() ?? 0)
        }
        let partWidth = digits(parts.map { Int64($0.partition) }, min: 4)
        let startWidth = digits(parts.map(\.startOffset), min: 5)
        let endWidth = digits(parts.map(\.endOffset) + [parts.reduce(0) { $0 + $1.messageCount }], min: 3)
        // Transaction columns only while one matters: the LSO where it lags the end, open transactions.
        let showTxn = parts.contains { $0.heldBackLSO != nil || $0.openTransactions > 0 }
        let lsoWidth = showTxn ? digits(parts.compactMap(\.heldBackLSO), min: 3) : 0
        let txnWidth = showTxn ? digits(parts.map { Int64($0.openTransactions) }, min: 3) : 0
        var used = 1 + partWidth + 2 + startWidth + 2 + endWidth + (showTxn ? 2 + lsoWidth + 2 + txnWidth : 0)
        // The sparkline takes what the groups leave, 4 to 8 columns; the rate number is on the total row.
        let minimumTail = 2 + 4
        var columns: [GroupColumn] = []
        for group in groups {
            let name = TextWidth.truncate(group.group, width: 16)
            let committed = parts.compactMap { group.committed[$0.partition] }
            let lags = parts.compactMap { group.lag(partition: $0.partition, endOffset: $0.endOffset) }
            let nameWidth = max(TextWidth.width(name), digits(committed, min: 1))
            let lagWidth = digits(lags + [lags.reduce(0, +)], min: 3)
            let columnWidth = 2 + nameWidth + 1 + lagWidth
            if used + columnWidth + minimumTail > width { break }
            used += columnWidth
            columns.append(GroupColumn(group: group, nameWidth: nameWidth, lagWidth: lagWidth))
        }
        let sparkWidth = max(0, min(8, width - used - 2))
        let showSpark = sparkWidth >= 4
        self.hiddenGroups = groups.count - columns.count
        func pad(_ s: String, _ w: Int) -> String { TextWidth.pad(s, width: w, alignRight: true) }

        var header = " " + pad("part", partWidth) + "  " + pad("start", startWidth) + "  " + pad("end", endWidth)
        if showTxn { header += "  " + pad("lso", lsoWidth) + "  " + pad("txn", txnWidth) }
        for c in columns {
            header +=
                "  " + pad(TextWidth.truncate(c.group.group, width: 16), c.nameWidth) + " " + pad("lag", c.lagWidth)
        }
        if showSpark { header += "  " + pad("rate", sparkWidth) }
        self.header = header

        self.rows = parts.map { p in
            var text =
                " " + pad(String(p.partition), partWidth) + "  " + pad(String(p.startOffset), startWidth) + "  "
                + pad(String(p.endOffset), endWidth)
            if showTxn {
                text += "  " + pad(p.heldBackLSO.map(String.init) ?? "–", lsoWidth) + "  "
                    + pad(p.openTransactions > 0 ? String(p.openTransactions) : "–", txnWidth)
            }
            for c in columns {
                let committed = c.group.committed[p.partition].map(String.init) ?? "–"
                let lag = c.group.lag(partition: p.partition, endOffset: p.endOffset).map(String.init) ?? "–"
                text += "  " + pad(committed, c.nameWidth) + " " + pad(lag, c.lagWidth)
            }
            guard showSpark else { return Row(text: text, spark: "", sparkX: 0, sparkWidth: 0) }
            let history = rates[p.partition].map { Array($0) } ?? []
            let sparkX = TextWidth.width(text) + 2
            text += "  " + String(repeating: " ", count: sparkWidth)
            return Row(
                text: text, spark: Sparkline.render(history, width: sparkWidth), sparkX: sparkX, sparkWidth: sparkWidth)
        }

        let messages = parts.reduce(Int64(0)) { $0 + $1.messageCount }
        var total =
            " " + TextWidth.pad("total", width: partWidth + 2 + startWidth) + "  " + pad(String(messages), endWidth)
        if showTxn {
            let open = parts.reduce(0) { $0 + $1.openTransactions }
            total += "  " + pad("", lsoWidth) + "  " + pad(open > 0 ? String(open) : "–", txnWidth)
        }
        for c in columns {
            let lags = parts.compactMap { c.group.lag(partition: $0.partition, endOffset: $0.endOffset) }
            total += "  " + pad("", c.nameWidth) + " " + pad(lags.isEmpty ? "–" : String(lags.reduce(0, +)), c.lagWidth)
        }
        if showSpark {
            var totalRate = 0.0
            for p in parts { totalRate += rates[p.partition]?.last ?? 0 }
            total += "  " + pad(Sparkline.rate(totalRate), sparkWidth)
        }
        self.total = total
    }
}
