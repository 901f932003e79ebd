/// A colour as curses can use it: the terminal's own default, one of the 16 ANSI colours, or an xterm-256 index.
public enum ThemeColor: Hashable, Sendable {
    case terminalDefault
    /// 0-15: black, red, green, yellow, blue, magenta, cyan, white, then their bright variants.
    case ansi(Int)
    /// 0-255 in the xterm palette (16-231 a 6x6x6 cube, 232-255 greys).
    case indexed(Int)

    /// The ANSI names a theme file may use, in palette order; "bright-" prefixes give 8-15.
    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// The palette index curses needs (`-1` for the terminal default).
    public var paletteIndex: Int {
        switch self {
        case .terminalDefault: -1
        case .ansi(let n): n
        case .indexed(let n): n
        }
    }

    /// Reduced to what the terminal can show: 256 → 16 → 8 colours by nearest RGB.
    func downgraded(to support: ColorSupport) -> ThemeColor {
        switch (self, support) {
        case (.terminalDefault, _), (_, .none), (_, .twoFiftySix):
            return support == .none ? .terminalDefault : self
        case (.ansi(let n), .sixteen):
            return .ansi(n)
        case (.ansi(let n), .eight):
            return .ansi(n >= 8 ? n - 8 : n)
        case (.indexed(let n), .sixteen):
            return n < 16 ? .ansi(n) : .ansi(Self.nearest(Self.rgb(n), among: 0..<16))
        case (.indexed(let n), .eight):
            if n < 16 { return .ansi(n >= 8 ? n - 8 : n) }
            return .ansi(Self.nearest(Self.rgb(n), among: 0..<8))
        }
    }

    /// Whether downgrading to eight colours drops brightness, which is then shown as bold.
    func losesBrightness(to support: ColorSupport) -> Bool {
        guard support == .eight else { return false }
        switch self {
        case .ansi(let n): return n >= 8
        case .indexed(let n): return (8..<16).contains(n)
        default: return false
        }
    }

    /// The nearest xterm-256 index to an RGB colour (cube or grey ramp, whichever is closer).
    static func nearestIndexed(red: Int, green: Int, blue: Int) -> Int {
        let steps = [0, 95, 135, 175, 215, 255]
        func level(_ c: Int) -> Int {
            var best = 0
            for (i, s) in steps.enumerated() where abs(s - c) < abs(steps[best] - c) { best = i }
            return best
        }
        let cube = 16 + 36 * level(red) + 6 * level(green) + level(blue)
        let avg = (red + green + blue) / 3
        let greyIndex = max(0, min(23, (avg - 8 + 5) / 10))
        let grey = 232 + greyIndex
        let target = (red, green, blue)
        return Self.distance(Self.rgb(grey), target) < Self.distance(Self.rgb(cube), target) ? grey : cube
    }

    /// Approximate RGB of an xterm palette entry (the 16 base colours as xterm draws them).
    static func rgb(_ index: Int) -> (Int, Int, Int) {
        let base: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
            (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if index < 16 { return base[max(0, index)] }
        if index >= 232 {
            let g = 8 + 10 * (index - 232)
            return (g, g, g)
        }
        let steps = [0, 95, 135, 175, 215, 255]
        let i = index - 16
        return (steps[i / 36], steps[(i / 6) % 6], steps[i % 6])
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0
        let dg = a.1 - b.1
        let db = a.2 - b.2
        return dr * dr + dg * dg + db * db
    }

    private static func nearest(_ c: (Int, Int, Int), among range: Range<Int>) -> Int {
        var best = range.lowerBound
        for i in range where Self.distance(Self.rgb(i), c) < Self.distance(Self.rgb(best), c) { best = i }
        return best
    }
}
