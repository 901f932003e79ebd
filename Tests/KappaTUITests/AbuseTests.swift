import Foundation
import Testing

@testable import KappaTUI

/// Hostile keys and values, huge values and pastes, at the pure layer: every row the renderer makes must be
/// exactly the grid's width in the terminal's own measure, with no control character left in a cell.
@Suite struct AbuseTests {
    /// Keys and values meant to break a terminal: escapes, C1 controls, invalid UTF-8, encoded surrogates,
    /// piled-up marks, joined emoji, bidi overrides, invisible characters, code points curses cannot measure.
    static let hostile: [[UInt8]] = [
        Array("nul\u{0}key".utf8), [0x61, 0x00, 0x62],
        Array("\u{1b}[2J\u{1b}[31mRED\u{1b}[0m\u{1b}]0;title\u{07}\u{1b}c".utf8),
        Array("x\u{85}y\u{9b}z\u{9d}".utf8), [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82], [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80],
        Array("e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306} Z\u{337}\u{322}\u{31b}\u{317}".utf8),
        Array("漢字テスト😀👨‍👩‍👧❤️🇫🇷👍🏽🏳️‍🌈".utf8), Array("\u{202e}evil\u{202c} שלום مرحبا".utf8),
        Array("नमस्ते क्षत्रिय".utf8), Array("a\u{200b}b\u{ad}c\u{feff}d\u{2028}e\u{fe0f}".utf8),
        Array("\u{1fae8}\u{31350}\u{378}\u{ffff}".utf8), Array(repeating: 0x4C, count: 5000),
        Array("\t\r\n\u{8}\u{7f}\u{1}".utf8),
    ]

    static func messages() -> [ConsumedMessage] {
        hostile.enumerated().map { i, bytes in
            ConsumedMessage(
                topic: "sample", partition: 0, offset: Int64(i), timestamp: Fixtures.base, key: bytes, value: bytes,
                headers: [HeaderPair(key: "h\u{1b}[31m", value: bytes)])
        }
    }

    /// No cell holds a control, a joiner or a variation selector, and curses-style counting of each row
    /// (one column per spacing code point, two for wide ones, none for marks) gives the grid width.
    static func assertClean(_ grid: CellGrid, sourceLocation: SourceLocation = #_sourceLocation) {
        assertRowsFit(grid, sourceLocation: sourceLocation)
        for y in 0..<grid.height {
            var columns = 0
            for x in 0..<grid.width {
                guard let cell = grid.cell(x: x, y: y) else { continue }
                if cell.text.isEmpty {
                    columns += 0
                    continue
                }
                let scalars = cell.text.unicodeScalars
                #expect(
                    !scalars.contains {
                        $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
                            || (0xFE00...0xFE0F).contains($0.value)
                    }, "row \(y) cell \(x): \(cell.text.debugDescription)", sourceLocation: sourceLocation)
                let spacing = scalars.filter { TextWidth.scalarWidth($0) > 0 }
                #expect(
                    spacing.count == 1, "row \(y) cell \(x): \(cell.text.debugDescription)",
                    sourceLocation: sourceLocation)
                #expect(scalars.count <= 1 + TextWidth.maxMarksPerCell, sourceLocation: sourceLocation)
                columns += spacing.first.map(TextWidth.scalarWidth) ?? 0
            }
            #expect(columns == grid.width, "row \(y): \(grid.row(y))", sourceLocation: sourceLocation)
        }
    }

    func state(width: Int = 120, height: Int = 40) -> DashboardState {
        var s = DashboardState(clusterLabel: "broker 127.0.0.1:9092", topic: "sample", consumerGroup: "kappa-console")
        s.resize(width: width, height: height)
        s.apply(.topics(["sample", "t\u{1b}]0;x\u{7}"]))
        s.apply(.consumed(Self.messages()))
        return s
    }

    @Test(arguments: [(120, 40), (80, 24), (60, 16), (300, 90)])
    func hostileRecordsInConsumerTermAndBrowse(width: Int, height: Int) {
        var s = self.state(width: width, height: height)
        for deserializer in Deserializer.allCases {
            Self.assertClean(renderDashboard(s, width: width, height: height, theme: .monochrome))
            _ = deserializer
            while s.focus != .consumerTerm { _ = s.handle(.tab) }
            _ = s.handle(.char("d"))
        }
        Self.openBrowse(&s, records: Self.messages())
        Self.assertClean(renderDashboard(s, width: width, height: height, theme: .monochrome))
        _ = s.handle(.enter)
        for _ in Self.hostile {
            Self.assertClean(renderDashboard(s, width: width, height: height, theme: .monochrome))
            _ = s.handle(.char("n"))
        }
    }

    /// Browse at partition 0 of `sample` with `records` as the page.
    static func openBrowse(_ s: inout DashboardState, records: [ConsumedMessage]) {
        _ = s.handle(.function(2))
        let end = Int64(records.count)
        s.apply(
            .browsePartitions(
                topic: "sample", partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: end)]))
        _ = s.handle(.enter)
        s.apply(.browsePage(topic: "sample", partition: 0, records: records, endOffset: end))
    }

    @Test func escapesAreVisibleAndJoinersLeftOut() {
        let text = TextWidth.glyphs("\u{1b}[31m\u{85}\u{202e}").map(\.text).joined()
        #expect(text == "\\x1b[31m\\u0085\\u202e")
        #expect(TextWidth.glyphs("👨‍👩‍👧").map(\.text) == ["👨", "👩", "👧"])
        #expect(TextWidth.width("👨‍👩‍👧") == 6)
        #expect(TextWidth.glyphs("e\u{301}\u{302}\u{303}\u{304}\u{305}").map(\.text) == ["e\u{301}\u{302}\u{303}"])
        #expect(TextWidth.width("का") == 2)  // a spacing vowel sign is a column of its own
        #expect(TextWidth.glyphs("\u{1fae8}").map(\.text).joined() == "\\u1fae8")  // Unicode 15: curses says -1
        #expect(TextWidth.glyphs("\u{fe0f}").map(\.text).joined() == "\\ufe0f")
        // Edges where an older table disagreed with glibc's wcwidth (the whole range was compared once, 0 left).
        #expect(TextWidth.width("\u{4dc0}\u{1aff0}\u{18d00}\u{16ff0}") == 8)
        let nonCharacter = Unicode.Scalar(UInt32(0xFDD0)).map { String(Character($0)) } ?? ""
        #expect(TextWidth.glyphs(nonCharacter).map(\.text).joined() == "\\ufdd0")
        #expect(TextWidth.glyphs(String(repeating: "x", count: 1_000_000), maxWidth: 10).count == 11)
    }

    @Test func runsKeepBothHalvesOfAWideCharacter() {
        var grid = CellGrid(width: 4, height: 1)
        grid.write("漢ab", x: 0, y: 0, width: 4, style: .plain)
        grid.restyle(x: 1, y: 0, width: 2) { $0.inverted }  // the right half of 漢 and "a"
        // A run starting on the right half would make curses overwrite 漢: it goes with its left half.
        let runs = grid.runs(inRow: 0)
        #expect(runs.map(\.text) == ["漢", "a", "b"])
        #expect(runs.map(\.x) == [0, 2, 3])
    }

    @Test func oneMegabyteValue() {
        let big = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let message = ConsumedMessage(topic: "sample", partition: 0, offset: 0, timestamp: 0, key: nil, value: big)
        var s = self.state()
        s.apply(.consumed([message]))
        // Consumer-Term keeps the start only, and still says how big the value was.
        #expect(s.consumer.messages.last?.value?.count == Deserializer.displayLimit)
        #expect(s.consumer.messages.last?.valueSize == 1_000_000)
        #expect(s.consumer.format(s.consumer.messages.last ?? message).hasSuffix("… (1000000 bytes) '"))
        let clock = ContinuousClock()
        let took = clock.measure {
            Self.assertClean(renderDashboard(s, width: 120, height: 40, theme: .monochrome))
        }
        #expect(took < .seconds(2))
        // Browse's detail pages through the whole hex dump, formatting only what shows.
        let body = BrowseFormat.detail(big)
        #expect(body.kind == "binary, 1000000 bytes")
        #expect(body.lineCount == 62_500)
        #expect(body.line(62_499).hasPrefix("f4230  "))
        let text = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(BrowseFormat.detail(text).kind == "text, 1000000 bytes, the first 65536 shown")
        #expect(BrowseFormat.cell(text).hasSuffix("… (1000000 bytes)"))
        Self.openBrowse(&s, records: [message])
        _ = s.handle(.enter)
        for _ in 0..<100 { _ = s.handle(.pageDown) }
        let grid = renderDashboard(s, width: 120, height: 40, theme: .monochrome)
        Self.assertClean(grid)
        #expect(grid.rows.contains { $0.contains("  0e") || $0.contains(" 0d") || $0.contains(" 0f") })
    }

    @Test func tenThousandCharacterPasteIntoProducerTerm() {
        var s = self.state()
        while s.focus != .producerTerm { _ = s.handle(.tab) }
        _ = Fixtures.typing(":serializer string", into: &s)
        _ = s.handle(.enter)
        var value = ""
        for i in 0..<10_000 {
            let letter = Character(Unicode.Scalar(UInt8(97 + i % 26)))
            value.append(i % 97 == 0 ? "漢" : letter)
        }
        _ = Fixtures.typing("k:" + value, into: &s)
        #expect(s.producer.prompt.text.count == 10_002)
        let clock = ContinuousClock()
        var grid: CellGrid?
        let took = clock.measure { grid = renderDashboard(s, width: 120, height: 40, theme: .monochrome) }
        #expect(took < .seconds(1))
        if let grid {
            Self.assertClean(grid)
            // The prompt shows the end of the line with the cursor after it.
            let prompt = s.layout.producer.inner.maxY - 1
            #expect(grid.cursor?.y == prompt)
            #expect(grid.row(prompt).contains(String(value.suffix(20))))
        }
        let effects = s.handle(.enter)
        guard case .produce(let command)? = effects.first else {
            Issue.record("no produce effect: \(effects)")
            return
        }
        #expect(command.value == Array(value.utf8))
        #expect(command.key == Array("k".utf8))
        Self.assertClean(renderDashboard(s, width: 120, height: 40, theme: .monochrome))
    }

    @Test func tooLongKafkaTermCommandGetsOneError() {
        var s = self.state()
        _ = Fixtures.typing("create " + String(repeating: "t", count: 9_993), into: &s)
        #expect(s.handle(.enter).isEmpty)
        #expect(s.kafka.lines.last?.kind == .error)
        #expect(s.kafka.lines.last?.text == "Error: command too long (10000 characters, at most 4096)")
        Self.assertClean(renderDashboard(s, width: 120, height: 40, theme: .monochrome))
    }

    @Test func bracketedPasteIsTextInPromptsAndIgnoredElsewhere() {
        var s = self.state()
        while s.focus != .consumerTerm { _ = s.handle(.tab) }
        #expect(s.handle(.paste("q\tq\nq")).isEmpty)
        #expect(!s.wantsQuit && s.focus == .consumerTerm)
        while s.focus != .producerTerm { _ = s.handle(.tab) }
        for c in "k:a\tb\nc" { _ = s.handle(.paste(String(c))) }
        #expect(s.producer.prompt.string == "k:a b c")
        #expect(s.focus == .producerTerm)
    }

    @Test func linesStopAtTheLimit() {
        var editor = LineEditor()
        for _ in 0..<(LineEditor.maxLength + 10) { editor.insert("x") }
        #expect(editor.text.count == LineEditor.maxLength)
    }
}
