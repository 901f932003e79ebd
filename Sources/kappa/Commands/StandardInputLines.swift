import Foundation

/// stdin as lines of raw bytes (no decoding, so binary-safe), read in chunks as they arrive so that
/// interactive input is handled line by line. The newline is not part of a line; a last line without
/// one still counts.
struct StandardInputLines {
    private var pending: [UInt8] = []
    private var finished = false
    /// 1-based number of the line `next` returned last.
    private(set) var lineNumber = 0

    mutating func next() throws -> [UInt8]? {
        while true {
            if let newline = self.pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(self.pending[..<newline])
                self.pending.removeSubrange(...newline)
                self.lineNumber += 1
                return line
            }
            if self.finished {
                guard !self.pending.isEmpty else { return nil }
                defer { self.pending = [] }
                self.lineNumber += 1
                return self.pending
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("cannot read stdin: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                self.finished = true
            } else {
                self.pending += chunk[..<count]
            }
        }
    }
}
