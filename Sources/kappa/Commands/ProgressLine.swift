import Dispatch
import Foundation

/// A running count on stderr ("exported 12000 records"), only when stderr is a terminal and, for
/// commands writing records to stdout, stdout is not the same screen: never in piped or captured output.
final class ProgressLine {
    private let label: String
    private let enabled: Bool
    private var lastDraw: UInt64 = 0
    private var drawn = false

    /// `recordsOnStdout`: the command prints records, so a terminal stdout would mix with the count.
    init(_ label: String, recordsOnStdout: Bool) {
        self.label = label
        self.enabled = isatty(STDERR_FILENO) == 1 && !(recordsOnStdout && StandardOutput.isTerminal)
    }

    /// Redraws at most four times a second.
    func update(_ count: Int, of total: Int? = nil) {
        guard self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - self.lastDraw >= 250_000_000 else { return }
        self.lastDraw = now
        self.draw(count, of: total)
    }

    /// Leaves a final count on the terminal (when anything was drawn or `always`).
    func finish(_ count: Int, of total: Int? = nil, always: Bool = false) {
        guard self.enabled, self.drawn || always else { return }
        self.draw(count, of: total)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ count: Int, of total: Int?) {
        self.drawn = true
        let text = total.map { "\(self.label) \(count) of \($0) records" } ?? "\(self.label) \(count) records"
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }
}
