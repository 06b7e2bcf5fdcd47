/// A calendar date as PostgreSQL stores it: days since 2000-01-01.
public struct PostgresDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var daysSince2000: Int32

    public init(daysSince2000: Int32) { self.daysSince2000 = daysSince2000 }

    /// Days between 1970-01-01 and 2000-01-01.
    public static let unixEpochOffset: Int32 = 10957

    public init(unixDays: Int) { daysSince2000 = Int32(unixDays) - Self.unixEpochOffset }

    public var unixDays: Int { Int(daysSince2000 + Self.unixEpochOffset) }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let days = Self.daysFromCivil(year, month, day)
        let check = Self.civilFromDays(days)
        guard check.0 == year, check.1 == month, check.2 == day else { return nil }
        self.init(unixDays: days)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) { Self.civilFromDays(unixDays) }

    public var description: String {
        let (y, m, d) = components
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    public static func < (a: PostgresDate, b: PostgresDate) -> Bool { a.daysSince2000 < b.daysSince2000 }

    // Howard Hinnant's civil-calendar algorithms (public domain description).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
