/// A key press as the terminal layer reports it, already decoded from curses codes.
///
/// The reducer works on these, not on raw curses integers, so it is testable without a terminal.
public enum Key: Equatable, Sendable {
    case char(Character)
    case enter, backspace, delete, tab, backTab
    case up, down, left, right, home, end, pageUp, pageDown
    case escape, ctrlC
    /// The terminal changed size; the controller re-renders at the new size.
    case resize
    /// A function key, F1...F12 (F1 opens help, F2 opens Browse).
    case function(Int)
    /// Text the terminal marked as pasted (bracketed paste): a prompt inserts it, newlines and tabs as spaces;
    /// elsewhere it is ignored, so a pasted "q" or Tab never quits or moves the focus.
    case paste(String)
}
