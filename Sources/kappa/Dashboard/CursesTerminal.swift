import CNCurses
import KappaTUI
import Foundation

/// The real terminal, through ncurses. Not Sendable: curses is not thread-safe, so one thread
/// creates it, reads keys, draws, and closes it (endwin must run on the thread that called initscr).
final class CursesTerminal {
    private(set) var colorSupport: ColorSupport
    private var pairs: [ColorPairKey: Int16] = [:]
    private var nextPair: Int16 = 1
    private var lastGrid: CellGrid?
    private var closed = false
    /// Between the terminal's paste-start and paste-end markers: keys are pasted text, not commands.
    private var pasting = false
    private static let pasteOn = "\u{1b}[?2004h"
    private static let pasteOff = "\u{1b}[?2004l"

    private struct ColorPairKey: Hashable {
        var foreground: Int16
        var background: Int16
    }

    /// - Parameter noColor: force monochrome (NO_COLOR, --theme monochrome).
    init(inputTimeoutMilliseconds: Int32 = 50, noColor: Bool = false) {
        setlocale(LC_ALL, "")  // before initscr, or UTF-8 output is mangled
        // The terminal's real size (ioctl), not LINES/COLUMNS inherited from whatever started us
        // (pytest, some shells export COLUMNS=80 LINES=24, and curses would believe them).
        unsetenv("LINES")
        unsetenv("COLUMNS")
        _ = initscr()
        raw()  // Ctrl-C arrives as a key, so quitting goes through the normal shutdown path
        noecho()
        nonl()
        keypad(kappa_stdscr(), true)
        _ = curs_set(0)
        wtimeout(kappa_stdscr(), inputTimeoutMilliseconds)
        set_escdelay(25)  // Esc alone should not wait a second for a sequence that never comes
        // Bracketed paste: the terminal marks pasted text, so a paste's Tab, newline or "q" is text.
        Self.writeRaw(Self.pasteOn)
        if !noColor, has_colors() {
            start_color()
            use_default_colors()
            let colors = kappa_colors()
            self.colorSupport = colors >= 256 ? .twoFiftySix : colors >= 16 ? .sixteen : .eight
        } else {
            self.colorSupport = .none
        }
    }

    deinit {
        self.close()
    }

    var size: (width: Int, height: Int) {
        var height: Int32 = 0
        var width: Int32 = 0
        kappa_getmaxyx(kappa_stdscr(), &height, &width)
        return (Int(width), Int(height))
    }

    /// Sleeps until the keyboard (or a resize) or `wakeDescriptor` has something, or the timeout passes.
    /// Returns true when there may be input for `readKey`.
    func waitForInput(wakeDescriptor: Int32, timeoutMilliseconds: Int32) -> Bool {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, 2, timeoutMilliseconds)
        // EINTR is SIGWINCH (or another signal): let curses report the resize.
        return ready < 0 || fds[0].revents != 0
    }

    /// The next key, or nil when none arrived within the input timeout.
    func readKey() -> Key? {
        var wide: wint_t = 0
        let status = wget_wch(kappa_stdscr(), &wide)
        if status == KEY_CODE_YES {
            switch Int32(wide) {
            case KEY_RESIZE: return .resize
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_BTAB: return .backTab
            case KEY_ENTER: return .enter
            case let code where code > KEY_F0 && code <= KEY_F0 + 63: return .function(Int(code - KEY_F0))
            default: return nil
            }
        }
        guard status == OK else { return nil }
        if UInt32(wide) == 27, let start = self.readPasteMarker() {
            self.pasting = start
            return .paste("")
        }
        if self.pasting {
            switch UInt32(wide) {
            case 3: return .ctrlC  // still quits
            case 27: return .paste("")  // a lone Esc inside a paste is dropped
            case 9, 10, 13: return .paste(" ")
            case let code:
                guard code >= 32, let scalar = Unicode.Scalar(code) else { return .paste("") }
                return .paste(String(Character(scalar)))
            }
        }
        switch UInt32(wide) {
        case 3: return .ctrlC
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case let code:
            guard code >= 32, let scalar = Unicode.Scalar(code) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// After an Esc: reads `[200~` (paste starts: true) or `[201~` (ends: false); anything else is pushed
    /// back for the next reads and the Esc stands alone (nil).
    private func readPasteMarker() -> Bool? {
        var read: [wint_t] = []
        let expected: [UInt32] = [91, 50, 48]  // "[20"
        while read.count < 5 {
            var wide: wint_t = 0
            guard wget_wch(kappa_stdscr(), &wide) == OK else { break }
            read.append(wide)
            let code = UInt32(wide)
            let i = read.count - 1
            if i < 3 ? code != expected[i] : (i == 3 ? code != 48 && code != 49 : code != 126) { break }
        }
        if read.count == 5, UInt32(read[4]) == 126 {
            return UInt32(read[3]) == 48
        }
        // Pushed back in reverse: curses returns the last pushed first.
        for wide in read.reversed() { _ = unget_wch(wchar_t(wide)) }
        return nil
    }

    private static func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(STDOUT_FILENO, &bytes, bytes.count)
    }

    /// Draws the rows that changed since the last frame; curses then sends only changed cells.
    func draw(_ grid: CellGrid) {
        guard !self.closed else { return }
        let window = kappa_stdscr()
        let rows: [Int]
        if let last = self.lastGrid, last.width == grid.width, last.height == grid.height {
            rows = grid.changedRows(since: last)
        } else {
            werase(window)
            rows = Array(0..<grid.height)
        }
        guard !rows.isEmpty else { return }
        for y in rows {
            wmove(window, Int32(y), 0)
            wclrtoeol(window)
            for run in grid.runs(inRow: y) {
                _ = kappa_set_attrs(window, self.attributes(for: run.style))
                // Writing the bottom-right cell returns ERR in curses after the cursor wraps: harmless.
                _ = mvwaddstr(window, Int32(y), Int32(run.x), run.text)
            }
        }
        _ = kappa_set_attrs(window, kappa_attr_normal())
        wnoutrefresh(window)
        doupdate()
        self.lastGrid = grid
    }

    /// Forces a full redraw on the next frame (after a resize).
    func invalidate() {
        self.lastGrid = nil
        clearok(kappa_stdscr(), true)
    }

    func close() {
        guard !self.closed else { return }
        self.closed = true
        Self.writeRaw(Self.pasteOff)
        endwin()
    }

    private func attributes(for style: CellStyle) -> Int32 {
        var attrs: Int32 = 0
        if style.bold { attrs |= kappa_attr_bold() }
        if style.reverse { attrs |= kappa_attr_reverse() }
        if style.underline { attrs |= kappa_attr_underline() }
        guard self.colorSupport != .none else { return attrs }
        let key = ColorPairKey(foreground: self.cursesColor(style.foreground), background: self.cursesColor(style.background))
        if key.foreground == -1 && key.background == -1 { return attrs }
        let pair: Int16
        if let known = self.pairs[key] {
            pair = known
        } else {
            guard self.nextPair < 255 else { return attrs }
            pair = self.nextPair
            self.nextPair += 1
            init_pair(pair, key.foreground, key.background)
            self.pairs[key] = pair
        }
        return attrs | kappa_color_pair(Int32(pair))
    }

    private func cursesColor(_ color: ThemeColor) -> Int16 {
        switch color {
        case .terminalDefault: return -1
        case .ansi(let n):
            // On 8-colour terminals the bright colours fold onto the basic ones.
            return Int16(self.colorSupport == .eight ? n % 8 : min(n, 15))
        case .indexed(let n):
            return Int16(self.colorSupport == .twoFiftySix ? min(max(n, 0), 255) : n % 8)
        }
    }
}
