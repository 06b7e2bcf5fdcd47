/// How a series is bucketed in time: days, or ISO weeks (Monday to Sunday, dated by their
/// Monday). All period arithmetic goes through this type: where a period starts, which period a
/// day falls in, the n-th period after another, and which days may close a period (a cutoff).
/// Nothing else adds 7 to a date. The API speaks in period indices and start days rather than a
/// fixed step, so that a frequency with periods of unequal length (months) can follow.
public enum Frequency: String, Sendable, Codable, CaseIterable {
    case day, week

    /// Default season length: a week of days, a year of weeks.
    public var defaultSeasonLength: Int { self == .day ? 7 : 52 }

    /// Default horizon of ad-hoc runs, backtests and training: four weeks of days, a quarter of
    /// weeks (a weekly run forecast 28 weeks by default before; issue 31, item 3).
    public var defaultHorizon: Int { self == .day ? 28 : 13 }

    /// Periods in a year (for yearly calendar features and seasonality guards).
    public var periodsPerYear: Double { self == .day ? 365.25 : 365.25 / 7 }

    /// The noun for messages: "day", "week".
    public var noun: String { rawValue }

    /// First day of the period containing `day` (the day itself, or the Monday of its ISO week).
    public func periodStart(_ day: CivilDay) -> CivilDay {
        switch self {
        case .day: return day
        case .week: return CivilDay(unixDay: day.unixDay - (day.isoWeekday - 1))
        }
    }

    /// Last day of the period containing `day`.
    public func periodEnd(_ day: CivilDay) -> CivilDay {
        switch self {
        case .day: return day
        case .week: return CivilDay(unixDay: periodStart(day).unixDay + 6)
        }
    }

    /// Whether `day` starts a period (any day; a Monday for weeks).
    public func isPeriodStart(_ day: CivilDay) -> Bool { periodStart(day) == day }

    /// Whether `day` closes a period, i.e. may be a cutoff (any day; a Sunday for weeks).
    public func isPeriodEnd(_ day: CivilDay) -> Bool { periodEnd(day) == day }

    /// The start of the period `n` periods after the one starting at `start` (n may be negative).
    public func advance(_ start: CivilDay, by n: Int) -> CivilDay {
        switch self {
        case .day: return CivilDay(unixDay: start.unixDay + n)
        case .week: return CivilDay(unixDay: periodStart(start).unixDay + 7 * n)
        }
    }

    /// Index of the period containing `day`, counting the period starting at `start` as 0.
    public func index(of day: CivilDay, from start: CivilDay) -> Int {
        switch self {
        case .day: return day.unixDay - start.unixDay
        case .week:
            let d = periodStart(day).unixDay - periodStart(start).unixDay
            return d >= 0 ? d / 7 : -((-d + 6) / 7)
        }
    }

    /// Every day of the period starting at `start`.
    public func days(ofPeriodStarting start: CivilDay) -> ClosedRange<Int> {
        start.unixDay...periodEnd(start).unixDay
    }

    /// Why `day` cannot close a period of this frequency, or nil when it can.
    /// `subject` names who needs it, e.g. "weekly runs need a cutoff".
    public func cutoffProblem(_ day: CivilDay, subject: String = "weekly runs need a cutoff") -> String? {
        isPeriodEnd(day) ? nil : "\(subject) on a Sunday (the last day of an ISO week), got \(day)"
    }
}
