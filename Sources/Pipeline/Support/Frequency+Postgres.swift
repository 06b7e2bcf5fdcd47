import Forecasting
import Postgres

/// `Frequency` (the model layer's period type) on database dates.
extension Frequency {
    /// The interval between period starts, for contract SQL (`@step`).
    var sqlInterval: String { self == .day ? "1 day" : "7 days" }

    public func periodStart(_ date: PostgresDate) -> PostgresDate { PostgresDate(periodStart(date.civil)) }

    public func advance(_ date: PostgresDate, by n: Int) -> PostgresDate { PostgresDate(advance(date.civil, by: n)) }

    /// The last day of forecast step `h` after the period containing `cutoff`.
    public func lastDay(ofStep h: Int, after cutoff: PostgresDate) -> PostgresDate {
        PostgresDate(periodEnd(advance(periodStart(cutoff.civil), by: h)))
    }

    public func index(of date: PostgresDate, from start: PostgresDate) -> Int { index(of: date.civil, from: start.civil) }

    /// Throws the one message every command gives for a cutoff (or end date) that does not close a period.
    public func validateCutoff(_ date: PostgresDate, subject: String = "weekly runs need a cutoff") throws {
        if let problem = cutoffProblem(date.civil, subject: subject) { throw PipelineError.invalidArgument(problem) }
    }
}

extension PostgresDate {
    public var civil: CivilDay { CivilDay(unixDay: unixDays) }
    public init(_ day: CivilDay) { self.init(unixDays: day.unixDay) }
}

/// Bound and read as its name (`day`, `week`), as every `frequency` column stores it.
extension Frequency: PostgresCodable {
    public var postgresText: String { rawValue }
    public init?(postgresText: String) { self.init(rawValue: postgresText) }
}
