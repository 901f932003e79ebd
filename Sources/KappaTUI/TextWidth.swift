/// One character as it will sit in the grid: its text and the terminal columns it takes (1 or 2).
struct Glyph: Equatable, Sendable {
    var text: String
    var width: Int
}

/// Terminal column widths, and the escaping that keeps control characters in record data off the terminal.
///
/// Three parties measure every line: this renderer, curses (glibc's `wcwidth`, one code point at a time, marks
/// joined to the cell before them) and the terminal (tmux joins ZWJ sequences its own way). They only agree
/// when each cell holds one spacing code point plus a few combining marks, so a grapheme cluster is split into
/// such cells: joiners, variation selectors and emoji tags are dropped (`👨‍👩‍👧` shows as `👨👩👧`, `❤️` as
/// `❤`), controls and invisible format characters become visible escapes (`\n`, `\x1b`, `\u202e`), and code
/// points newer than the C library's tables (Unicode 14) are escaped too, since curses cannot measure them.
/// Everything drawn into a `CellGrid` goes through `glyphs(_:)` first.
enum TextWidth {
    /// Combining marks kept on one cell: curses stores at most five code points a cell and drops the rest.
    static let maxMarksPerCell = 3

    /// Splits `text` into glyphs. With `maxWidth`, stops once the glyphs are wider than that (so a caller
    /// fitting a 1 MB value into one line reads only its start).
    static func glyphs<S: StringProtocol>(_ text: S, maxWidth: Int = .max) -> [Glyph] {
        var out: [Glyph] = []
        out.reserveCapacity(min(text.utf8.count, maxWidth == .max ? Int.max : maxWidth + 2))
        var total = 0
        for character in text {
            let before = out.count
            Self.appendGlyphs(of: character, to: &out)
            for g in out[before...] { total += g.width }
            if total > maxWidth { break }
        }
        return out
    }

    /// Columns `text` takes once drawn.
    static func width<S: StringProtocol>(_ text: S) -> Int {
        var total = 0
        for character in text { total += Self.width(of: character) }
        return total
    }

    /// Columns one character takes once drawn (several cells when it is split or escaped).
    static func width(of character: Character) -> Int {
        if let a = character.asciiValue, a >= 0x20, a < 0x7F { return 1 }
        var glyphs: [Glyph] = []
        Self.appendGlyphs(of: character, to: &glyphs)
        var total = 0
        for g in glyphs { total += g.width }
        return total
    }

    private static func appendGlyphs(of character: Character, to out: inout [Glyph]) {
        if let a = character.asciiValue, a >= 0x20, a < 0x7F {
            out.append(Glyph(text: String(character), width: 1))
            return
        }
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return }
        // A cluster led by an invisible format character (bidi override, zero-width space) is escaped whole:
        // drawn raw it would reorder the line or be invisible.
        let escapeFormats = Self.isFormat(first) || Self.isJoiner(first)
        var base: Int?  // index in `out` of this cluster's last spacing cell
        var marks = 0
        for scalar in scalars {
            let invisible = Self.isFormat(scalar) || Self.isJoiner(scalar)
            if Self.isControl(scalar) || Self.isUnknown(scalar) || (escapeFormats && invisible) {
                for c in Self.escape(scalar) { out.append(Glyph(text: String(c), width: 1)) }
                base = nil
                continue
            }
            if invisible { continue }
            let width = Self.scalarWidth(scalar)
            if width > 0 {
                out.append(Glyph(text: String(scalar), width: width))
                base = out.count - 1
                marks = 0
            } else if let b = base {
                if marks < Self.maxMarksPerCell { out[b].text.unicodeScalars.append(scalar) }
                marks += 1
            } else {
                // A mark with nothing to sit on: show it on U+25CC as Unicode charts do.
                out.append(Glyph(text: "\u{25CC}" + String(scalar), width: 1))
                base = out.count - 1
                marks = 1
            }
        }
    }

    /// Zero-width joiners, variation selectors and emoji tags: they only change how a cluster is drawn, and
    /// terminals disagree on their widths, so they are left out.
    private static func isJoiner(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200C, 0x200D, 0xFE00...0xFE0F, 0xE0000...0xE007F, 0xE0100...0xE01EF: return true
        default: return false
        }
    }

    /// Unassigned code points, and those newer than the C library's width tables (glibc 2.35 and 2.36 know
    /// Unicode 14): curses would not print them, or not in the width we count.
    private static func isUnknown(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x300 else { return false }
        guard let age = scalar.properties.age, !scalar.properties.isNoncharacterCodePoint else { return true }
        return age.major > 14
    }

    /// C0/C1 controls, DEL, and the line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// Format characters (Cf). Inside a cluster (after a visible character) they are dropped; a cluster starting
    /// with one is a lone invisible character and is escaped.
    private static func isFormat(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .format
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            let hex = String(scalar.value, radix: 16)
            if scalar.value < 0x80 { return "\\x" + (hex.count < 2 ? "0" : "") + hex }
            return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }

    /// Columns of a single scalar: 0 for combining marks, 2 for East Asian Wide/Fullwidth and emoji
    /// presentation, 1 otherwise.
    static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return 1 }
        let props = scalar.properties
        switch props.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }  // Hangul jamo that join
        if v == 0x1171E { return 0 }  // a mark (Mn) in Unicode 14, as glibc counts it; Mc since 15
        if (0x1F1E6...0x1F1FF).contains(v) { return 1 }  // regional indicators: EastAsianWidth N
        if props.isEmojiPresentation { return 2 }
        return Self.isWide(v) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth ranges (EastAsianWidth.txt, merged; emoji are covered by
    /// `isEmojiPresentation`), checked against glibc 2.36's wcwidth for every code point up to Unicode 14.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x9FFF,
        0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
        0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FF1,
        0x17000...0x18D08, 0x1AFF0...0x1AFFE, 0x1B000...0x1B2FF, 0x1F200...0x1F202, 0x1F210...0x1F23B,
        0x1F240...0x1F248,
        0x1F250...0x1F251, 0x1F260...0x1F265, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    private static func isWide(_ v: UInt32) -> Bool {
        var lo = 0
        var hi = Self.wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = Self.wideRanges[mid]
            if v < r.lowerBound {
                hi = mid - 1
            } else if v > r.upperBound {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// Glyphs of `text` cut to `width` columns; when cut, the last column is "…". A wide character that would
    /// straddle the edge is replaced by padding, never split.
    static func fit<S: StringProtocol>(_ text: S, width: Int) -> [Glyph] {
        Self.fit(Self.glyphs(text, maxWidth: width), width: width)
    }

    static func fit(_ glyphs: [Glyph], width: Int) -> [Glyph] {
        guard width > 0 else { return [] }
        var total = 0
        for g in glyphs { total += g.width }
        if total <= width { return glyphs }
        var out: [Glyph] = []
        var used = 0
        for g in glyphs {
            if used + g.width > width - 1 { break }
            out.append(g)
            used += g.width
        }
        while used < width - 1 {
            out.append(Glyph(text: " ", width: 1))
            used += 1
        }
        out.append(Glyph(text: "…", width: 1))
        return out
    }

    /// `text` cut to `width` columns with "…", as a string (for titles and table cells).
    static func truncate(_ text: String, width: Int) -> String {
        Self.fit(text, width: width).map(\.text).joined()
    }

    /// `text` cut or padded with spaces to exactly `width` columns; `alignRight` pads on the left.
    static func pad(_ text: String, width: Int, alignRight: Bool = false) -> String {
        let fitted = Self.fit(text, width: width)
        var used = 0
        for g in fitted { used += g.width }
        let body = fitted.map(\.text).joined()
        let padding = String(repeating: " ", count: max(0, width - used))
        return alignRight ? padding + body : body + padding
    }

    /// `glyphs` cut into rows of at most `width` columns (one empty row for an empty line).
    static func wrap(_ glyphs: [Glyph], width: Int) -> [[Glyph]] {
        guard width > 0 else { return [[]] }
        var rows: [[Glyph]] = []
        var row: [Glyph] = []
        var used = 0
        for g in glyphs {
            if used + g.width > width {
                rows.append(row)
                row = []
                used = 0
            }
            row.append(g)
            used += g.width
        }
        rows.append(row)
        return rows
    }
}
