import Foundation

/// Points in time typed on the command line: `2026-01-31T12:00:00`, optionally with `.sss` and a zone
/// (`Z`, `+01:00`, `+0100`), a space instead of the `T`, local time when no zone is given (as Kafka's
/// tools read it), or a plain number of milliseconds since the epoch.
enum DateTimeArgument {
    static func milliseconds(_ text: String, timeZone: TimeZone = .current) -> Int64? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isNumber) { return Int64(text) }
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        func group(_ index: Int) -> String? {
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
        func number(_ index: Int) -> Int? { group(index).flatMap { Int($0) } }
        guard let year = number(1), let month = number(2), let day = number(3), let hour = number(4),
            let minute = number(5)
        else { return nil }
        var zone = timeZone
        if let designator = group(8), designator != "Z" {
            let digits = designator.dropFirst().filter(\.isNumber)
            guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)) else {
                return nil
            }
            let seconds = (hours * 3600 + minutes * 60) * (designator.hasPrefix("-") ? -1 : 1)
            guard let fixed = TimeZone(secondsFromGMT: seconds) else { return nil }
            zone = fixed
        } else if group(8) == "Z" {
            zone = TimeZone(secondsFromGMT: 0) ?? timeZone
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            year: year, month: month, day: day, hour: hour, minute: minute, second: number(6) ?? 0)
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, (number(6) ?? 0) < 60,
            let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day
        else { return nil }
        let fraction = group(7).map { String($0.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0) }
        let millis = fraction.flatMap { Int64($0) } ?? 0
        return Int64((date.timeIntervalSince1970 * 1000).rounded()) + millis
    }
}
