import Forecasting
import Postgres

/// A shadow version judged on live data: its forecasts against the served ones on every period
/// that has fully landed in the sales table (the same run, series and target period for both).
public struct ShadowEvaluation: Sendable {
    public let rows: Int
    public let runs: Int
    public let shadowWAPE: Double
    public let servedWAPE: Double
    public let shadowBias: Double

    /// The check `promote --to production` applies when the shadow period has actuals: the shadow
    /// version's WAPE must not be above the served one's on the same rows.
    public var check: GateCheckRecord {
        func pct(_ v: Double) -> String { v.isFinite ? String(format: "%.1f%%", 100 * v) : "n/a" }
        return GateCheckRecord(
            name: "shadow actuals, \(rows) forecasts from \(runs) run\(runs == 1 ? "" : "s")",
            required: "WAPE <= the served version's", actual: "\(pct(shadowWAPE)) vs \(pct(servedWAPE))",
            passed: shadowWAPE <= servedWAPE)
    }

    /// Nil when none of the version's shadow forecasts has actuals yet.
    public static func measure(_ version: ModelVersion, inputSchema: SQLIdentifier, on connection: Connection) throws -> ShadowEvaluation? {
        let days = version.frequency == .day ? 1 : 7
        let row = try connection.query(
            Query(
                """
                WITH landed AS (SELECT max(ds) AS last_day FROM \(ident: inputSchema).sales),
                scored AS (
                    SELECT s.run_id, s.yhat AS shadow, f.yhat AS served,
                           coalesce((SELECT sum(x.qty) FROM \(ident: inputSchema).sales x
                                     WHERE x.item_id = s.item_id AND x.location_id = s.location_id
                                       AND x.ds BETWEEN s.ds AND s.ds + \(days - 1)::int), 0)::float8 AS actual
                    FROM forecast.side_forecasts s
                    JOIN forecast.forecasts f USING (run_id, item_id, location_id, ds)
                    JOIN forecast.runs r ON r.id = s.run_id AND r.status IN ('published', 'superseded')
                    WHERE s.role = 'shadow' AND r.shadow_version_id = \(version.id) AND s.ds + \(days - 1)::int <= (SELECT last_day FROM landed))
                SELECT count(*)::int AS n, count(DISTINCT run_id)::int AS runs, sum(abs(shadow - actual)) AS shadow_abs,
                       sum(abs(served - actual)) AS served_abs, sum(abs(actual)) AS actual_abs, sum(shadow - actual) AS shadow_signed
                FROM scored
                """
            ).named("shadow_accuracy")
        ).first!
        let n = try row.decode("n", as: Int.self)
        guard n > 0 else { return nil }
        let actual = try row.decode("actual_abs", as: Double.self)
        func ratio(_ v: Double) -> Double { actual > 0 ? v / actual : .nan }
        return ShadowEvaluation(
            rows: n, runs: try row.decode("runs"), shadowWAPE: ratio(try row.decode("shadow_abs")),
            servedWAPE: ratio(try row.decode("served_abs")), shadowBias: ratio(try row.decode("shadow_signed")))
    }
}
