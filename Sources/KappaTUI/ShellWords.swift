/// Splits a command line into words as a POSIX shell would for the simple cases people paste:
/// whitespace separates, '…' and "…" quote, backslash escapes.
enum ShellWords {
    static func split(_ line: String) -> Result<[String], CommandError> {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(c)
                }
                continue
            }
            switch c {
            case " ", "\t", "\n", "\r", "\r\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            default:
                current.append(c)
                inWord = true
            }
        }
        if let q = quote { return .failure(CommandError("unterminated \(q) quote")) }
        if inWord { words.append(current) }
        return .success(words)
    }
}
