/// Calendar arithmetic for timestamps shown and typed in the dashboard, without Foundation's time zone
/// database: the controller supplies the local UTC offset once, rendering stays a pure function.
enum TimeFormat {
    /// "19:21:03" for Kafka-Term's log.
    static func time(_ ms: Int64, utcOffsetSeconds: Int) -> String {
        let c = Self.civil(ms, utcOffsetSeconds: utcOffsetSeconds)
        return Self.two(c.hour) + ":" + Self.two(c.minute) + ":" + Self.two(c.second)
    }

    /// "2026-11-24 19:21:14.201" for Browse.
    static func dateTime(_ ms: Int64, utcOffsetSeconds: Int) -> String {
        let c = Self.civil(ms, utcOffsetSeconds: utcOffsetSeconds)
        let millis = String(c.millis)
        return String(c.year) + "-" + Self.two(c.month) + "-" + Self.two(c.day) + " " + Self.two(c.hour) + ":"
            + Self.two(c.minute) + ":" + Self.two(c.second) + "."
            + String(repeating: "0", count: 3 - millis.count) + millis
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }

    private struct Civil {
        var year, month, day, hour, minute, second, millis: Int
    }

    private static func civil(_ ms: Int64, utcOffsetSeconds: Int) -> Civil {
        let local = ms + Int64(utcOffsetSeconds) * 1000
        let (days, msOfDay) = Self.floorDivMod(local, 86_400_000)
        let (y, m, d) = Self.civilFromDays(days)
        let secs = Int(msOfDay / 1000)
        return Civil(
            year: y, month: m, day: d, hour: secs / 3600, minute: (secs / 60) % 60, second: secs % 60,
            millis: Int(msOfDay % 1000))
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    private static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mm = Int64(m)
        let doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Parses "2026-11-24T19:21:00.000" (as `--to-datetime` takes it), also with a space instead of "T",
    /// without seconds or milliseconds, and with "Z", "+01:00" or "+0100"; without a zone the time is local
    /// (`utcOffsetSeconds`), as in Kafka's tool. Returns milliseconds since the epoch.
    static func parse(_ text: String, utcOffsetSeconds: Int) -> Int64? {
        var s = Substring(text.trimmingSpaces)
        func number(_ count: Int) -> Int? {
            guard s.count >= count else { return nil }
            let digits = s.prefix(count)
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
            s = s.dropFirst(count)
            return n
        }
        func expect(_ c: Character) -> Bool {
            guard s.first == c else { return false }
            s = s.dropFirst()
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var millis = 0
        if s.first == "T" || s.first == " " {
            s = s.dropFirst()
            guard let h = number(2), expect(":"), let mi = number(2), h < 24, mi < 60 else { return nil }
            hour = h
            minute = mi
            if expect(":") {
                guard let sec = number(2), sec < 61 else { return nil }
                second = sec
                if expect(".") {
                    let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
                    guard !digits.isEmpty, let frac = Int(digits.prefix(3).padding(to: 3)) else { return nil }
                    millis = frac
                    s = s.dropFirst(digits.count)
                }
            }
        }
        var offset = utcOffsetSeconds
        if expect("Z") || expect("z") {
            offset = 0
        } else if let sign = s.first, sign == "+" || sign == "-" {
            s = s.dropFirst()
            guard let oh = number(2) else { return nil }
            _ = expect(":")
            let om = number(2) ?? 0
            offset = (sign == "-" ? -1 : 1) * (oh * 3600 + om * 60)
        }
        guard s.isEmpty else { return nil }
        let days = Self.daysFromCivil(year, month, day)
        let seconds = days * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return seconds * 1000 + Int64(millis)
    }
}

extension Substring {
    fileprivate func padding(to count: Int) -> String {
        self.count >= count ? String(self) : String(self) + String(repeating: "0", count: count - self.count)
    }
}
