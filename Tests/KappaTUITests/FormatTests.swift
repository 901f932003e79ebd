import Testing

@testable import KappaTUI

@Suite struct FormatTests {
    @Test func getPyLinesForTheSeedsMessages() {
        let lines = Fixtures.seedMessages.map { GetPyFormat.line($0, deserializer: .auto) }
        #expect(
            lines == [
                "Key= MYID , Value=' A20545137 '",
                "Key= MYNAME , Value=' Deep Pawar '",
                "Key= MYEYECOLOR , Value=' Brown '",
            ])
        #expect(Fixtures.seedMessages.map { GetPyFormat.line($0, deserializer: .json) } == lines)
    }

    @Test func getPyShowsNoneAndPythonReprs() {
        func line(_ key: [UInt8]?, _ value: [UInt8]?, _ d: Deserializer = .auto) -> String {
            GetPyFormat.line(
                ConsumedMessage(topic: "t", partition: 0, offset: 0, timestamp: 0, key: key, value: value),
                deserializer: d)
        }
        #expect(line(nil, Array("\"x\"".utf8)) == "Key= None , Value=' x '")
        #expect(line(Array("null".utf8), nil) == "Key= None , Value=' None '")
        #expect(
            line(nil, Array(#"{"a": [1, true, null, "it's"], "b": 1.5}"#.utf8))
                == #"Key= None , Value=' {'a': [1, True, None, "it's"], 'b': 1.5} '"#)
        #expect(line(nil, Array("plain text".utf8)) == "Key= None , Value=' plain text '")
        #expect(line(nil, [0xFF, 0x00, 0x41]) == #"Key= None , Value=' b'\xff\x00A' '"#)
        #expect(line(nil, Array("plain".utf8), .json) == "Key= None , Value=' <not JSON> plain '")
        #expect(line(Array("\"k\"".utf8), Array("\"v\"".utf8), .string) == #"Key= "k" , Value=' "v" '"#)
    }

    @Test func serializerMatchesPutPy() {
        #expect(Serializer.json.encode("MYID") == Array("\"MYID\"".utf8))
        // json.dumps escapes non-ASCII by default (ensure_ascii=True).
        #expect(JSONValue.pythonDumps("café 🚀") == #""caf\u00e9 \ud83d\ude80""#)
        #expect(JSONValue.pythonDumps("a\"b\\c\n") == #""a\"b\\c\n""#)
        #expect(Serializer.string.encode("café") == Array("café".utf8))
        // …and decodes back to the same text.
        #expect(JSONValue.parse(Array(JSONValue.pythonDumps("café 🚀").utf8)) == .string("café 🚀"))
    }

    @Test func jsonParserIsStrictAndBounded() {
        #expect(JSONValue.parse(Array(" [1, 2.5e3, -0, {\"a\": {}}] ".utf8)) != nil)
        for bad in ["", "01", "[1,]", "{a:1}", "'x'", "tru", "\"\u{01}\"", "1 2", "NaN"] {
            #expect(JSONValue.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(JSONValue.parse(Array(deep.utf8)) == nil)
    }

    @Test func textWidths() {
        #expect(TextWidth.width("abc") == 3)
        #expect(TextWidth.width("漢字") == 4)
        #expect(TextWidth.width("キー") == 4)
        #expect(TextWidth.width("🚀") == 2)
        // One spacing code point a cell, as curses and glibc's wcwidth count: the modifier is a cell of its
        // own, regional indicators are narrow, the variation selector is left out.
        #expect(TextWidth.width("👍🏽") == 4)
        #expect(TextWidth.width("🇫🇷") == 2)
        #expect(TextWidth.width("❤️") == 1)
        #expect(TextWidth.width("e\u{301}") == 1)
        #expect(TextWidth.width("ｈ") == 2)  // fullwidth
        #expect(TextWidth.width("\u{1b}") == 4)  // shown as \x1b
        #expect(TextWidth.glyphs("\u{301}x").map(\.text) == ["\u{25CC}\u{301}", "x"])
        #expect(TextWidth.truncate("abcdef", width: 4) == "abc…")
        #expect(TextWidth.truncate("漢字漢字", width: 4) == "漢 …")
        #expect(TextWidth.pad("漢", width: 4, alignRight: true) == "  漢")
    }

    @Test func gridNeverKeepsHalfAWideCharacter() {
        var grid = CellGrid(width: 6, height: 1)
        grid.write("ab漢字", x: 0, y: 0, width: 5, style: .plain)
        #expect(grid.row(0) == "ab漢… ")
        grid.write("x", x: 3, y: 0, width: 1, style: .plain)  // overwrite the right half of 漢
        #expect(grid.row(0) == "ab x… ")
        var edge = CellGrid(width: 3, height: 1)
        edge.write(glyphs: TextWidth.glyphs("ab漢"), x: 0, y: 0, limit: 3, style: .plain)
        #expect(edge.row(0) == "ab ")
    }

    @Test func timestamps() {
        #expect(TimeFormat.dateTime(Fixtures.base + 14_201, utcOffsetSeconds: 0) == "2026-11-24 19:21:14.201")
        #expect(TimeFormat.time(Fixtures.base, utcOffsetSeconds: 3600) == "20:21:00")
        #expect(TimeFormat.parse("2026-11-24T19:21:00.000", utcOffsetSeconds: 0) == Fixtures.base)
        #expect(TimeFormat.parse("2026-11-24 19:21", utcOffsetSeconds: 0) == Fixtures.base)
        #expect(TimeFormat.parse("2026-11-24T19:21:00.5Z", utcOffsetSeconds: 7200) == Fixtures.base + 500)
        #expect(TimeFormat.parse("1970-01-01", utcOffsetSeconds: 0) == 0)
        #expect(TimeFormat.parse("2026-13-01", utcOffsetSeconds: 0) == nil)
        #expect(TimeFormat.parse("2026-11-24T19:21:00junk", utcOffsetSeconds: 0) == nil)
    }

    @Test func sparklineAndRates() {
        #expect(Sparkline.render([0, 0, 3.5, 7], width: 4) == "▁▁▅█")
        #expect(Sparkline.render([1], width: 3) == "  ▁" || Sparkline.render([1], width: 3) == "  █")
        #expect(Sparkline.render([Double](), width: 2) == "  ")
        #expect(Sparkline.rate(0.3) == "0.3/s")
        #expect(Sparkline.rate(12.4) == "12/s")
        #expect(Sparkline.rate(1234) == "1.2k/s")
        #expect(Sparkline.rate(10_000) == "10k/s")
    }
}
