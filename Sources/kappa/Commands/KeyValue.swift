import ArgumentParser

/// `key=value` option values (--config, -H): split at the first '=', the value may be empty.
enum KeyValue {
    static func parse(_ entries: [String], option: String) throws -> [(String, String)] {
        try entries.map { entry in
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("\(option) takes key=value, not '\(entry)'")
            }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
    }
}
