/// One character as it will sit in the grid: its text and the terminal columns it takes (1 or 2).
struct Glyph: Equatable, Sendable {
    var text: String
    var width: Int
}

/// Terminal column widths, and the escaping that keeps control characters in record data off the terminal.
///
/// Curses does not measure `Character`s: a CJK character or an emoji takes two columns, a combining mark none,
/// and a raw ESC in a Kafka value would reach the terminal as an escape sequence. Everything drawn into a
/// `CellGrid` goes through `glyphs(_:)` first.
enum TextWidth {
    /// Splits `text` into glyphs: control and invisible format characters become visible escapes (`\n`, `\x1b`,
    /// `\u202e`), a lone combining mark is shown on a dotted circle, wide characters get width 2.
    static func glyphs(_ text: String) -> [Glyph] {
        var out: [Glyph] = []
        out.reserveCapacity(text.utf8.count)
        for character in text {
            Self.appendGlyphs(of: character, to: &out)
        }
        return out
    }

    /// Columns `text` takes once drawn.
    static func width(_ text: String) -> Int {
        var total = 0
        for character in text {
            if character.isASCII, let a = character.asciiValue, a >= 0x20, a < 0x7F {
                total += 1
            } else {
                var glyphs: [Glyph] = []
                Self.appendGlyphs(of: character, to: &glyphs)
                for g in glyphs { total += g.width }
            }
        }
        return total
    }

    private static func appendGlyphs(of character: Character, to out: inout [Glyph]) {
        if let a = character.asciiValue, a >= 0x20, a < 0x7F {
            out.append(Glyph(text: String(character), width: 1))
            return
        }
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return }
        // Controls anywhere, or a cluster led by an invisible format character (bidi override, zero-width
        // space): drawn raw they would move the cursor, reorder the line or be invisible.
        if scalars.contains(where: Self.isControl) || Self.isFormat(first) {
            for scalar in scalars {
                if Self.isControl(scalar) || Self.isFormat(scalar) {
                    for c in Self.escape(scalar) { out.append(Glyph(text: String(c), width: 1)) }
                } else {
                    Self.appendGlyphs(of: Character(scalar), to: &out)
                }
            }
            return
        }
        guard let first = scalars.first else { return }
        let base = Self.scalarWidth(first)
        if base == 0 {
            // A mark with nothing to sit on: show it on U+25CC as Unicode charts do.
            out.append(Glyph(text: "\u{25CC}" + String(character), width: 1))
            return
        }
        var width = base
        if scalars.count > 1 {
            if scalars.contains("\u{FE0F}"), first.properties.isEmoji { width = 2 }
            if scalars.contains("\u{FE0E}") { width = 1 }
        }
        out.append(Glyph(text: String(character), width: width))
    }

    /// C0/C1 controls, DEL, and the line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// Format characters (Cf). Inside a cluster they are joiners or emoji tags and stay; a cluster starting with
    /// one is a lone invisible character and is escaped.
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
        if props.isEmojiPresentation { return 2 }
        return Self.isWide(v) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth ranges (Unicode 15 EastAsianWidth.txt, merged; emoji are covered by
    /// `isEmojiPresentation`).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
        0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
        0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
        0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248,
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
    static func fit(_ text: String, width: Int) -> [Glyph] {
        Self.fit(Self.glyphs(text), width: width)
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
}
