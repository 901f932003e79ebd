/// How many colours the terminal offers (from curses' `COLORS`, or `.none` under `NO_COLOR`).
public enum ColorSupport: Sendable {
    case none, eight, sixteen, twoFiftySix

    /// From curses' `has_colors()` and `COLORS`, and whether `NO_COLOR` is set.
    public init(colors: Int, noColorRequested: Bool = false) {
        if noColorRequested || colors < 8 {
            self = .none
        } else if colors < 16 {
            self = .eight
        } else if colors < 256 {
            self = .sixteen
        } else {
            self = .twoFiftySix
        }
    }
}
