/// Kafka's topic name rule: 1 to 249 characters from `[a-zA-Z0-9._-]`, and not "." or "..".
/// Also guards the data directory: a valid name can never escape it as a path.
public enum TopicName {
    public static let maxLength = 249

    public static func validationError(_ name: String) -> String? {
        if name.isEmpty { return "topic name is empty" }
        if name == "." || name == ".." { return "topic name cannot be '.' or '..'" }
        if name.utf8.count > Self.maxLength { return "topic name is longer than \(Self.maxLength) characters" }
        for byte in name.utf8 {
            let ok = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
            if !ok { return "topic name '\(name)' contains a character outside [a-zA-Z0-9._-]" }
        }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { Self.validationError(name) == nil }

    /// Kafka's internal topics: the broker keeps its own state in them, clients cannot create or
    /// produce to them.
    public static let internalTopics: Set<String> = ["__consumer_offsets", "__transaction_state"]

    public static func isInternal(_ name: String) -> Bool { Self.internalTopics.contains(name) }
}
