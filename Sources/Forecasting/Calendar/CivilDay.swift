/// A calendar day as a count of days since 1970-01-01 (proleptic Gregorian), with its civil
/// components. The one place that knows an epoch and a weekday rule; everything else asks it.
public struct CivilDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let unixDay: Int

    public init(unixDay: Int) { self.unixDay = unixDay }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let days = Self.daysFromCivil(year, month, day)
        guard Self.civilFromDays(days) == (year, month, day) else { return nil }
        unixDay = days
    }

    public var year: Int { Self.civilFromDays(unixDay).0 }
    public var month: Int { Self.civilFromDays(unixDay).1 }
    public var day: Int { Self.civilFromDays(unixDay).2 }

    /// ISO weekday: 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday).
    public var isoWeekday: Int { ((unixDay + 3) % 7 + 7) % 7 + 1 }

    /// 0 for January 1.
    public var dayOfYear: Int { unixDay - Self.daysFromCivil(year, 1, 1) }

    /// ISO 8601 week number (1...53): the week (Monday to Sunday) containing the year's first Thursday is week 1.
    public var isoWeek: Int {
        let thursday = CivilDay(unixDay: unixDay - isoWeekday + 4)
        return thursday.dayOfYear / 7 + 1
    }

    public var description: String {
        let (y, m, d) = Self.civilFromDays(unixDay)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    public static func < (a: CivilDay, b: CivilDay) -> Bool { a.unixDay < b.unixDay }

    // Howard Hinnant's civil-calendar algorithms (public domain description).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
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
