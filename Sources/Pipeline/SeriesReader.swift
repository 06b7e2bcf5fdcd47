import Postgres

/// One series of one work item, zero-filled from its first sale to the cutoff.
public struct SeriesInput: Sendable {
    public let seriesNo: Int
    public let itemID: String
    public let locationID: String
    /// Start of the first period.
    public let start: PostgresDate
    public var values: [Double]
}

/// Reads a work item's series with binary COPY OUT (the as-of snapshot of `RunPlanner`).
public struct SeriesReader: Sendable {
    public let runID: Int64
    public let cutoff: PostgresDate
    public let asOf: PostgresTimestamp
    public let frequency: Frequency
    public let schema: SQLIdentifier

    /// Start of the period containing `date` (itself for days, the Monday for weeks).
    func periodStart(_ date: PostgresDate) -> PostgresDate {
        guard frequency == .week else { return date }
        let d = date.unixDays
        let mondayOffset = ((d - 4) % 7 + 7) % 7 // 1970-01-05 (unix day 4) was a Monday
        return PostgresDate(unixDays: d - mondayOffset)
    }

    /// Periods are complete up to the cutoff: for weeks, the last week must end on the cutoff.
    var lastPeriod: PostgresDate {
        frequency == .day ? cutoff : PostgresDate(unixDays: periodStart(cutoff).unixDays
            - (periodStart(cutoff).unixDays + 6 == cutoff.unixDays ? 0 : 7))
    }

    public func read(chunk: Int, on connection: Connection) throws -> [SeriesInput] {
        let meta = try connection.query(Query("""
            SELECT series_no, item_id, location_id, first_ds FROM forecast.run_series
            WHERE run_id = \(runID) AND chunk = \(chunk) ORDER BY series_no
            """).named("read_chunk_series")).rows
        guard let firstRow = meta.first else { return [] }
        let firstNo = try firstRow.decode("series_no", as: Int.self)
        let step = frequency.stepDays
        let end = lastPeriod.unixDays
        var series: [SeriesInput] = try meta.map { row in
            let start = periodStart(try row.decode("first_ds", as: PostgresDate.self))
            let n = max(0, (end - start.unixDays) / step + 1)
            return SeriesInput(seriesNo: try row.decode("series_no"), itemID: try row.decode("item_id"),
                               locationID: try row.decode("location_id"), start: start,
                               values: [Double](repeating: 0, count: n))
        }
        try connection.transaction { tx in
            // COPY takes no bind parameters: pass the values as transaction-local settings.
            try tx.query(Query("""
                SELECT set_config('forecast.run_id', \(String(runID)), true),
                       set_config('forecast.chunk', \(String(chunk)), true),
                       set_config('forecast.cutoff', \(lastPeriodEnd.postgresText), true),
                       set_config('forecast.as_of', \(asOf.postgresText), true)
                """).named("set_chunk_parameters"))
            try tx.copyOut(Query(unsafeSQL: """
                COPY (SELECT r.series_no, s.ds, s.qty
                      FROM forecast.run_series r
                      JOIN \(schema.rendered).sales s ON s.item_id = r.item_id AND s.location_id = r.location_id
                      WHERE r.run_id = current_setting('forecast.run_id')::bigint
                        AND r.chunk = current_setting('forecast.chunk')::int
                        AND s.ds <= current_setting('forecast.cutoff')::date
                        AND s.loaded_at <= current_setting('forecast.as_of')::timestamptz
                ) TO STDOUT (FORMAT binary)
                """, name: "copy_chunk_sales")) { row in
                guard let no = try row.readInt32(), let ds = try row.readDate(), let qty = try row.readDouble() else { return }
                let i = Int(no) - firstNo
                guard i >= 0, i < series.count else { return }
                let t = (periodStart(ds).unixDays - series[i].start.unixDays) / step
                if t >= 0 && t < series[i].values.count { series[i].values[t] += qty }
            }
        }
        return series
    }

    /// The last day whose sales are read: the cutoff, or for weeks the Sunday ending the last complete week.
    var lastPeriodEnd: PostgresDate {
        PostgresDate(unixDays: lastPeriod.unixDays + frequency.stepDays - 1)
    }

    /// The date of forecast step h (1-based).
    public func targetDate(step h: Int) -> PostgresDate {
        PostgresDate(unixDays: lastPeriod.unixDays + h * frequency.stepDays)
    }
}
