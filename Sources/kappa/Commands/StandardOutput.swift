import Foundation

/// Buffered writes to stdout for record output: bytes as they are (keys and values may be binary),
/// flushed when the buffer fills and whenever the caller has nothing more right now.
final class StandardOutput {
    /// The reader of stdout went away (EPIPE); the command should stop quietly.
    struct Closed: Error {}

    private var buffer: [UInt8] = []
    private let limit = 1 << 16

    /// Whether stdout is a terminal.
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    func write(_ bytes: [UInt8]) throws {
        self.buffer += bytes
        if self.buffer.count >= self.limit { try self.flush() }
    }

    func write(_ text: String) throws {
        try self.write(Array(text.utf8))
    }

    /// Lines of text, each followed by a newline, written at once.
    static func print(_ lines: [String]) throws {
        let output = StandardOutput()
        for line in lines { try output.write(line + "\n") }
        try output.flush()
    }

    func flush() throws {
        var start = 0
        while start < self.buffer.count {
            let written = self.buffer[start...].withUnsafeBytes {
                Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                self.buffer.removeAll()
                if errno == EPIPE { throw Closed() }
                throw CommandFailure("cannot write to stdout: \(String(cString: strerror(errno)))")
            }
            start += written
        }
        self.buffer.removeAll(keepingCapacity: true)
    }
}
