/// A `timestamptz` as PostgreSQL stores it: microseconds since 2000-01-01 00:00:00 UTC.
public struct PostgresTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microsecondsSince2000: Int64

    public init(microsecondsSince2000: Int64) { self.microsecondsSince2000 = microsecondsSince2000 }

    public static let unixEpochOffsetMicroseconds: Int64 = Int64(PostgresDate.unixEpochOffset) * 86_400_000_000

    public init(unixSeconds: Double) {
        microsecondsSince2000 = Int64((unixSeconds * 1_000_000).rounded()) - Self.unixEpochOffsetMicroseconds
    }

    public init(date: PostgresDate, secondsOfDay: Int = 0) {
        microsecondsSince2000 = Int64(date.daysSince2000) * 86_400_000_000 + Int64(secondsOfDay) * 1_000_000
    }

    public var unixSeconds: Double { Double(microsecondsSince2000 + Self.unixEpochOffsetMicroseconds) / 1_000_000 }

    public var date: PostgresDate {
        let days =
            microsecondsSince2000 >= 0
            ? microsecondsSince2000 / 86_400_000_000
            : (microsecondsSince2000 - 86_399_999_999) / 86_400_000_000
        return PostgresDate(daysSince2000: Int32(days))
    }

    /// Parses PostgreSQL's text output in UTC (`2026-11-28 04:33:38.123456+00`) or ISO 8601 (`2026-11-28T04:33:38Z`).
    public init?(text: String) {
        var s = Substring(text)
        guard s.count >= 19, let date = PostgresDate(iso: s.prefix(10)) else { return nil }
        s = s.dropFirst(10)
        guard let sep = s.first, sep == " " || sep == "T" else { return nil }
        s = s.dropFirst()
        let hms = s.prefix(8).split(separator: ":")
        guard hms.count == 3, let h = Int(hms[0]), let mi = Int(hms[1]), let se = Int(hms[2]) else { return nil }
        s = s.dropFirst(8)
        var micros: Int64 = 0
        if s.first == "." {
            s = s.dropFirst()
            let digits = s.prefix { $0.isNumber }
            s = s.dropFirst(digits.count)
            let padded = String(digits.prefix(6)).padding(toLength: 6)
            micros = Int64(padded) ?? 0
        }
        var offsetSeconds = 0
        if s == "Z" || s.isEmpty {
            offsetSeconds = 0
        } else if let sign = s.first, sign == "+" || sign == "-" {
            let body = s.dropFirst().split(separator: ":")
            guard let oh = Int(body.first ?? "") else { return nil }
            let om = body.count > 1 ? Int(body[1]) ?? 0 : 0
            offsetSeconds = (oh * 3600 + om * 60) * (sign == "-" ? -1 : 1)
        } else {
            return nil
        }
        let seconds = Int64(h * 3600 + mi * 60 + se - offsetSeconds)
        microsecondsSince2000 = Int64(date.daysSince2000) * 86_400_000_000 + seconds * 1_000_000 + micros
    }

    /// ISO 8601 in UTC with microseconds, accepted by PostgreSQL as `timestamptz` input.
    public var description: String {
        let date = self.date
        let rest = microsecondsSince2000 - Int64(date.daysSince2000) * 86_400_000_000
        let secs = Int(rest / 1_000_000), micros = Int(rest % 1_000_000)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let frac = String(micros).leftPadded(to: 6)
        return "\(date)T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)).\(frac)Z"
    }

    public static func < (a: Self, b: Self) -> Bool { a.microsecondsSince2000 < b.microsecondsSince2000 }
}

extension String {
    func padding(toLength n: Int) -> String { count >= n ? self : self + String(repeating: "0", count: n - count) }
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
