import ArgumentParser
import KappaClient

/// Where `kappa consume -o` starts reading each partition, as kcat's -o takes it.
enum StartOffset: ExpressibleByArgument, Equatable {
    case beginning
    case end
    /// An absolute offset, clamped into the partition's range.
    case offset(Int64)
    /// This many records before the end (`-o -10`).
    case tail(Int64)
    /// The first record at or after this time (ms since the epoch), the end when there is none.
    case time(Int64)

    init?(argument: String) {
        switch argument {
        case "beginning", "earliest": self = .beginning
        case "end", "latest": self = .end
        default:
            if argument.hasPrefix("@") {
                guard let ms = DateTimeArgument.milliseconds(String(argument.dropFirst())) else { return nil }
                self = .time(ms)
            } else if let number = Int64(argument) {
                self = number >= 0 ? .offset(number) : .tail(-number)
            } else {
                return nil
            }
        }
    }

    static let help = "beginning | end | OFFSET | -N (the last N) | @TIMESTAMP_MS (or @2026-01-31T12:00:00)"

    /// The offset to assign for each partition, with whether the partition is already at its end.
    func resolve(_ partitions: [TopicPartition], admin: KafkaAdmin, timeoutMs: Int32) throws
        -> [TopicPartition: (offset: Int64, atEnd: Bool)]
    {
        var byTime: [TopicPartition: Int64] = [:]
        if case .time(let ms) = self {
            byTime = try admin.offsetsForTimes(
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, ms) }), timeoutMs: timeoutMs)
        }
        var result: [TopicPartition: (offset: Int64, atEnd: Bool)] = [:]
        for tp in partitions {
            let (low, high) = try admin.watermarks(tp, timeoutMs: timeoutMs)
            let start: Int64
            switch self {
            case .beginning: start = low
            case .end: start = high
            case .offset(let n): start = min(max(n, low), high)
            case .tail(let n): start = max(low, high - n)
            case .time: start = byTime[tp].flatMap { $0 >= 0 ? min(max($0, low), high) : nil } ?? high
            }
            result[tp] = (start, start >= high)
        }
        return result
    }
}
