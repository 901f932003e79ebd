import ArgumentParser
import Foundation

/// Reads a new password from standard input: on a terminal, prompted twice with echo off; otherwise the
/// first line. Never from the command line, where `ps` and shell history would keep it.
enum UsersPasswordReader {
    static func read(for user: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no password on standard input (expected one line)")
            }
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        let first = try Self.prompt("Password for '\(user)': ")
        guard !first.isEmpty else { throw ValidationError("the password is empty") }
        guard try Self.prompt("Again: ") == first else { throw ValidationError("the passwords differ") }
        return first
    }

    /// One line from the terminal with echo off; the terminal's settings are restored even on failure.
    private static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw ValidationError("cannot read the terminal's settings") }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password entered") }
        return line
    }
}
