/// File names inside a partition directory, as Kafka lays them out.
enum LogFileName {
    static let logSuffix = ".log"
    static let indexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"
    /// Holds the log start offset moved by DeleteRecords (Kafka keeps it in a checkpoint file).
    static let logStartOffset = "log-start-offset"
    /// Held with `flock` while the log is open, so two brokers never write one partition.
    static let lock = ".lock"

    /// `baseOffset` zero-padded to 20 digits, so names sort like the offsets they start at.
    static func stem(baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The base offset a segment file name encodes, if `name` is `<20 digits><suffix>`.
    static func baseOffset(of name: String, suffix: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(stem)
    }
}
