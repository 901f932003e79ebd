import ArgumentParser
import Foundation

/// `key=value` lines as kcat's -F and Java's .properties take them (# and ! comments, blank lines).
enum PropertiesFile {
    static func read(_ path: String) throws -> [(String, String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read properties file \(path)")
        }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> [(String, String)] {
        var result: [(String, String)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ValidationError("\(source):\(number + 1): expected key=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            result.append((key, value))
        }
        return result
    }
}
