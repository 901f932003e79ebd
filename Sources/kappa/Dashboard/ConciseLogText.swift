/// librdkafka's log lines start with the thread and broker they come from
/// (`[thrd:sasl_plaintext://host:9092/bootstrap]: sasl_plaintext://host:9092/bootstrap: ...`). In a
/// 60-column pane that prefix is all one would see, so the pane gets the message itself; the log
/// file keeps the full line.
enum ConciseLogText {
    static func shorten(_ text: String) -> String {
        var rest = Substring(text)
        for prefix in ["client: ", "librdkafka: "] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
        }
        if rest.hasPrefix("[thrd:"), let end = rest.range(of: "]: ") {
            rest = rest[end.upperBound...]
        }
        // "<scheme>://host:port/<name>: "
        if let scheme = rest.range(of: "://"), rest[..<scheme.lowerBound].allSatisfy({ $0.isLetter || $0 == "_" }),
            let colon = rest.range(of: ": ", range: scheme.upperBound..<rest.endIndex),
            !rest[scheme.upperBound..<colon.lowerBound].contains(" ")
        {
            rest = rest[colon.upperBound...]
        }
        return String(rest)
    }
}
