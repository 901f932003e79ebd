import Testing

@testable import KappaTUI

@Suite struct RenderTests {
    let theme = Theme.monochrome

    func render(_ state: DashboardState, _ width: Int, _ height: Int, theme: Theme = .monochrome) -> CellGrid {
        var s = state
        s.resize(width: width, height: height)
        return renderDashboard(s, width: width, height: height, theme: theme)
    }

    @Test func wideLayoutAt120x40() throws {
        let grid = self.render(Fixtures.seeded(), 120, 40)
        try assertSnapshot(grid, named: "dashboard-120x40")
        assertRowsFit(grid)
    }

    @Test func stackedLayoutAt80x24() throws {
        let grid = self.render(Fixtures.seeded(), 80, 24)
        try assertSnapshot(grid, named: "dashboard-80x24")
        assertRowsFit(grid)
    }

    @Test func smallestLayoutAt60x16() throws {
        let grid = self.render(Fixtures.seeded(), 60, 16)
        try assertSnapshot(grid, named: "dashboard-60x16")
        assertRowsFit(grid)
    }

    @Test(arguments: [(59, 16), (60, 15), (40, 10), (20, 6)])
    func tooSmallShowsOneCentredMessage(width: Int, height: Int) throws {
        let grid = self.render(Fixtures.seeded(), width, height)
        let message = "Terminal too small: \(width)x\(height), need at least 60x16"
        let rows = grid.rows
        let hits = rows.enumerated().filter { !$0.element.trimmingSpaces.isEmpty }
        // Wrapped at spaces when narrower than the message, and centred both ways.
        #expect(hits.map { $0.element.trimmingSpaces }.joined(separator: " ") == message)
        #expect(hits.first?.offset == (height - hits.count) / 2)
        for row in hits.map(\.element) {
            let leading = row.prefix(while: { $0 == " " }).count
            let trailing = String(row.reversed()).prefix(while: { $0 == " " }).count
            #expect(abs(leading - trailing) <= 1, "\(row)")
        }
        if TextWidth.width(message) <= width { #expect(hits.count == 1) }
        assertRowsFit(grid)
    }

    @Test func tooSmallSnapshot() throws {
        try assertSnapshot(self.render(Fixtures.seeded(), 59, 16), named: "too-small-59x16")
    }

    @Test(arguments: [(0, 0), (1, 1), (2, 30), (60, 16), (61, 17), (99, 23), (99, 40), (100, 24), (150, 30), (300, 90)])
    func anySizeRendersWithoutBrokenRows(width: Int, height: Int) {
        var s = Fixtures.seeded()
        let grid = self.render(s, width, height)
        #expect(grid.width == width && grid.height == height)
        assertRowsFit(grid)
        _ = s.handle(.function(2))
        assertRowsFit(self.render(s, width, height))
        _ = s.handle(.function(1))
        assertRowsFit(self.render(s, width, height))
    }

    @Test func focusedPaneBorderUsesTheFocusStyle() throws {
        let dark = try Theme.load("default-dark", themesDirectory: themesDirectory, colors: .twoFiftySix)
        let state = Fixtures.seeded()  // Producer-Term has focus
        let grid = self.render(state, 120, 40, theme: dark)
        let layout = DashboardLayout(width: 120, height: 40)
        let producer = layout.producer
        let kafka = layout.kafka
        #expect(grid.cell(x: producer.x, y: producer.y + 1)?.style == dark.style(.borderFocused))
        #expect(grid.cell(x: kafka.x, y: kafka.y + 1)?.style == dark.style(.border))
        #expect(dark.style(.borderFocused) != dark.style(.border))
    }

    @Test func focusedPromptPlacesTheCursor() {
        var s = Fixtures.seeded()
        _ = Fixtures.typing("ab", into: &s)  // Producer-Term
        let grid = self.render(s, 120, 40)
        let layout = DashboardLayout(width: 120, height: 40)
        let promptY = layout.producer.inner.maxY - 1
        #expect(grid.cursor == GridPoint(x: layout.producer.inner.x + 4, y: promptY))
        #expect(grid.row(promptY).contains("> ab"))
        #expect(grid.cell(x: layout.producer.inner.x + 4, y: promptY)?.style.reverse == true)
    }

    @Test func wideCharactersTakeTwoCellsAndKeepBordersInPlace() {
        var s = Fixtures.seeded()
        let key = Array(JSONValue.pythonDumps("キー漢字").utf8)
        let value = Array("🚀 launch 日本語テキスト".utf8)
        s.apply(
            .consumed([ConsumedMessage(topic: "sample", partition: 0, offset: 4, timestamp: 0, key: key, value: value)])
        )
        for width in [60, 61, 80, 81, 120] {
            let grid = self.render(s, width, 24)
            assertRowsFit(grid)
            guard let y = grid.rows.firstIndex(where: { $0.contains("キー漢字") }) else {
                Issue.record("no row with the CJK key at width \(width)")
                continue
            }
            let row = grid.row(y)
            #expect(row.hasPrefix("│Key= キー漢字 , Value=' 🚀 launch"))
            #expect(row.hasSuffix("│"))
            // "│Key= " is 6 columns: 'キ' sits at x=6 and its right half at x=7 is a continuation cell.
            #expect(grid.cell(x: 6, y: y)?.text == "キ")
            #expect(grid.cell(x: 7, y: y)?.text == "")
            #expect(grid.cell(x: width - 1, y: y)?.text == "│")
        }
    }

    @Test func aWideCharacterNeverStraddlesABorder() {
        var s = Fixtures.seeded()
        // 40 CJK characters: 80 columns, cut at every possible parity of the pane width.
        let value = Array(String(repeating: "漢", count: 40).utf8)
        s.apply(
            .consumed([ConsumedMessage(topic: "sample", partition: 0, offset: 4, timestamp: 0, key: nil, value: value)])
        )
        for width in 60...70 {
            let grid = self.render(s, width, 24)
            assertRowsFit(grid)
            guard let y = grid.rows.firstIndex(where: { $0.hasPrefix("│Key= None") }) else {
                Issue.record("no row at width \(width)")
                continue
            }
            #expect(grid.row(y).hasSuffix("…│"))
            #expect(grid.cell(x: width - 1, y: y)?.text == "│")
        }
    }

    @Test func controlCharactersInDataAreShownEscaped() {
        var s = Fixtures.seeded()
        let value = Array("red\u{1b}[31mtext\u{07}\r\nnext\u{202E}".utf8)
        s.apply(
            .consumed([ConsumedMessage(topic: "sample", partition: 0, offset: 4, timestamp: 0, key: nil, value: value)])
        )
        let grid = self.render(s, 120, 40)
        let rows = grid.rows
        #expect(rows.contains { $0.contains("Value=' red\\x1b[31mtext\\x07\\r\\nnext\\u202e '") })
        for row in rows {
            #expect(
                !row.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" }
            )
        }
    }

    @Test func changedRowsIsEmptyForIdenticalGrids() {
        let a = self.render(Fixtures.seeded(), 120, 40)
        let b = self.render(Fixtures.seeded(), 120, 40)
        #expect(a == b)
        #expect(b.changedRows(since: a).isEmpty)
        #expect(b.changedRows(since: nil) == Array(0..<40))
        #expect(b.changedRows(since: self.render(Fixtures.seeded(), 80, 24)) == Array(0..<40))
    }

    @Test func changedRowsListsOnlyTheRowsThatChanged() {
        var s = Fixtures.seeded()
        let before = self.render(s, 120, 40)
        _ = s.handle(.char("x"))  // one character in Producer-Term's prompt
        let after = self.render(s, 120, 40)
        let promptY = DashboardLayout(width: 120, height: 40).producer.inner.maxY - 1
        #expect(after.changedRows(since: before) == [promptY])
    }

    @Test func runsCoverTheRowAndSplitOnStyleChanges() throws {
        let dark = try Theme.load(nil, themesDirectory: themesDirectory, colors: .twoFiftySix)
        let grid = self.render(Fixtures.seeded(), 120, 40, theme: dark)
        for y in 0..<grid.height {
            let runs = grid.runs(inRow: y)
            #expect(runs.map(\.text).joined() == grid.row(y))
            #expect(runs.first?.x == 0)
            for (a, b) in zip(runs, runs.dropFirst()) {
                #expect(a.style != b.style)
                #expect(b.x == a.x + TextWidth.width(a.text))
            }
        }
    }

    @Test func browseShowsThePageOfRecords() throws {
        var s = Fixtures.seeded()
        let effects = s.handle(.function(2))
        #expect(effects == [.browse(.partitions(topic: "sample")), .browse(.topics)])
        s.apply(
            .browsePartitions(
                topic: "sample", partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: 4)]))
        #expect(s.handle(.enter) == [.browse(.records(topic: "sample", partition: 0, fromOffset: 0, count: 100))])
        var records = Fixtures.seedMessages
        records.append(
            ConsumedMessage(
                topic: "sample", partition: 0, offset: 3, timestamp: Fixtures.base + 62_810, key: Array("MYHAIR".utf8),
                value: Array("Black".utf8), headers: [HeaderPair(key: "source", value: Array("kappa".utf8))]))
        s.apply(.browsePage(topic: "sample", partition: 0, records: records, endOffset: 4))
        let grid = self.render(s, 120, 40)
        try assertSnapshot(grid, named: "browse-records-120x40")
        assertRowsFit(grid)
        _ = s.handle(.down)
        _ = s.handle(.down)
        _ = s.handle(.down)
        _ = s.handle(.enter)
        try assertSnapshot(self.render(s, 120, 40), named: "browse-detail-120x40")
    }

    @Test func browseDetailShowsBinaryAsHexAndJSONPretty() {
        var s = Fixtures.seeded()
        _ = s.handle(.function(2))
        s.apply(
            .browsePartitions(
                topic: "sample", partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: 2)]))
        _ = s.handle(.enter)
        s.apply(
            .browsePage(
                topic: "sample", partition: 0,
                records: [
                    ConsumedMessage(
                        topic: "sample", partition: 0, offset: 0, timestamp: 0, key: [0x00, 0xFF, 0x41],
                        value: Array(#"{"name":"Deep","tags":["a",1]}"#.utf8)),
                    ConsumedMessage(topic: "sample", partition: 0, offset: 1, timestamp: 0, key: nil, value: nil),
                ], endOffset: 2))
        _ = s.handle(.enter)
        let rows = self.render(s, 120, 40).rows
        #expect(rows.contains { $0.contains("key (binary, 3 bytes)") })
        #expect(rows.contains { $0.contains("0000  00 ff 41") && $0.contains(".ÿA") == false && $0.contains("..A") })
        #expect(rows.contains { $0.contains("value (JSON, 30 bytes)") })
        #expect(rows.contains { $0.contains(#"  "name": "Deep","#) })
        #expect(rows.contains { $0.contains(#"    "a","#) })
    }

    @Test func helpOverlayListsTheKeys() {
        var s = Fixtures.seeded()
        _ = s.handle(.function(1))
        let grid = self.render(s, 120, 40)
        #expect(grid.rows.contains { $0.contains("Help · any key closes") })
        #expect(grid.rows.contains { $0.contains("quit where no prompt has focus") })
        #expect(grid.cursor == nil)
        assertRowsFit(grid)
    }

    @Test func offsetsTableShowsCommittedLagAndRate() {
        let grid = self.render(Fixtures.seeded(), 120, 40)
        let rows = grid.rows
        #expect(rows.contains { $0.contains("part  start  end  group-1 lag  kappa-console lag") })
        #expect(rows.contains { $0.contains("   0      0    4        3   1              4   0") })
        #expect(rows.contains { $0.contains("total") && $0.contains("1.0/s") })
    }
}
