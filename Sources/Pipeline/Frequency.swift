import Postgres

/// Daily or weekly series. Weekly periods start on Monday (ISO weeks).
public enum Frequency: String, Sendable, Codable, CaseIterable {
    case day, week

    public var stepDays: Int { self == .day ? 1 : 7 }
    public var stepInterval: String { self == .day ? "1 day" : "7 days" }
    /// Default season length: a week of days, a year of weeks.
    public var defaultSeasonLength: Int { self == .day ? 7 : 52 }

    /// Whether `date` is a valid period start (any day; Mondays for weeks).
    public func isPeriodStart(_ date: PostgresDate) -> Bool {
        self == .day || (date.unixDays + 3) % 7 == 0 // 1970-01-05 was a Monday
    }
}
