import DequeModule

/// A one-line text input with a cursor and up/down history, shared by every prompt of the dashboard.
public struct LineEditor: Equatable, Sendable {
    public private(set) var text: [Character] = []
    /// Insertion point, 0...text.count.
    public private(set) var cursor = 0
    public private(set) var history: Deque<String> = []
    /// Index into `history` while browsing it with up/down; `nil` when editing a fresh line.
    private var historyIndex: Int?
    /// The line being typed before history browsing started, restored by moving down past the newest entry.
    private var draft: [Character] = []
    static let historyLimit = 200
    /// Characters a line holds; a longer paste is cut here. Far above any command or Producer-Term line, but a
    /// bound: a runaway paste must not grow the dashboard without end.
    public static let maxLength = 100_000

    public init(text: String = "") {
        self.text = Array(text)
        self.cursor = self.text.count
    }

    public var string: String { String(self.text) }
    public var isEmpty: Bool { self.text.isEmpty }

    /// Applies an editing key; returns `false` for keys a line editor does not use (so the pane can).
    mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let c):
            self.insert(c)
        case .paste(let text):
            for c in text { self.insert(c) }
        case .backspace:
            if self.cursor > 0 {
                self.text.remove(at: self.cursor - 1)
                self.cursor -= 1
            }
        case .delete:
            if self.cursor < self.text.count { self.text.remove(at: self.cursor) }
        case .left:
            self.cursor = max(0, self.cursor - 1)
        case .right:
            self.cursor = min(self.text.count, self.cursor + 1)
        case .home:
            self.cursor = 0
        case .end:
            self.cursor = self.text.count
        case .up:
            self.historyUp()
        case .down:
            self.historyDown()
        default:
            return false
        }
        return true
    }

    /// Inserts typed or pasted text; a pasted newline or tab becomes a space so one line stays one line.
    mutating func insert(_ c: Character) {
        guard self.text.count < Self.maxLength else { return }
        let ch: Character = (c == "\n" || c == "\r" || c == "\r\n" || c == "\t") ? " " : c
        self.text.insert(ch, at: self.cursor)
        self.cursor += 1
        self.historyIndex = nil
    }

    mutating func clear() {
        self.text = []
        self.cursor = 0
        self.historyIndex = nil
    }

    mutating func set(_ text: String) {
        self.text = Array(text.prefix(Self.maxLength))
        self.cursor = self.text.count
    }

    /// Returns the line, records it in the history (without repeating the previous entry) and clears the input.
    mutating func submit() -> String {
        let line = self.string
        if !line.trimmingSpaces.isEmpty, self.history.last != line {
            self.history.append(line)
            if self.history.count > Self.historyLimit { self.history.removeFirst() }
        }
        self.clear()
        return line
    }

    private mutating func historyUp() {
        guard !self.history.isEmpty else { return }
        let index: Int
        if let current = self.historyIndex {
            index = max(0, current - 1)
        } else {
            self.draft = self.text
            index = self.history.count - 1
        }
        self.historyIndex = index
        self.text = Array(self.history[index])
        self.cursor = self.text.count
    }

    private mutating func historyDown() {
        guard let current = self.historyIndex else { return }
        if current + 1 < self.history.count {
            self.historyIndex = current + 1
            self.text = Array(self.history[current + 1])
        } else {
            self.historyIndex = nil
            self.text = self.draft
        }
        self.cursor = self.text.count
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = self.firstIndex(where: { !isSpace($0) }), let last = self.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
