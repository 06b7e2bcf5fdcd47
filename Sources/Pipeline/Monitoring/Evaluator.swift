import Forecasting
import Foundation
import Postgres

/// `forecastctl evaluate`: delayed ground truth. Joins the forecasts of published runs (served,
/// shadow and the seasonal-naive baseline) with the actuals of their target periods once they
/// have landed, into `forecast.evaluations`.
///
/// - A target period has landed when the newest sales date loaded reaches it; its actual is the
///   sales row's quantity, or 0 when there is none ("a missing row means zero sales").
/// - Incremental: a pass evaluates targets that landed since the previous pass, and all landed
///   targets of runs published since then (backfills). Idempotent: one current evaluation per
///   run, role, series and period (a unique index), so a rerun adds nothing.
/// - Non-finite quantities (NaN, ±Infinity) are never actuals: such a target waits, a restatement
///   to one keeps the previous actual, and the pass counts them (`non_finite_actuals`).
/// - Restatements: sales rows loaded since the previous pass whose quantity differs from the
///   evaluated actual replace that evaluation; the replaced row stays, with `replaced_at` set.
/// - Horizons: only those of `forecast.service_objectives.evaluated_horizons` for the run's
///   frequency (every horizon when it is null), as the policy stood when the pass began (stored
///   with the pass); a run none of whose evaluated horizons landed in the pass is not opened.
public enum Evaluator {
    public struct Pass: Sendable {
        public let id: Int64
        public let landedThrough: PostgresDate?
        public let evaluated: Int
        public let restated: Int
        /// Sales rows of this pass's loads whose quantity is NaN or ±Infinity: never an actual
        /// (they would make WAPE NaN and silence accuracy alerts); the previous actual stays.
        public let nonFiniteActuals: Int
        /// Frequency -> the horizons this pass scored; a frequency not named: every horizon.
        public var evaluatedHorizons: [Frequency: [Int]] = [:]
    }

    /// One pass, done by `forecast.evaluate_landed` (migration 045) as the schema owner: the role
    /// that runs `evaluate` may call it and read what it wrote, never insert or edit an evaluation
    /// itself. The pass's SQL (restatements, runs to open, scoring, rollups) is in that migration.
    public static func evaluate(inputSchema: String, on connection: Connection) throws -> Pass {
        try connection.transaction { tx in
            let id = try tx.query(
                Query("SELECT forecast.evaluate_landed(\(inputSchema), \(AuditIdentity.osUser)) AS id").named("evaluate_landed")
            ).first!.decode("id", as: Int64.self)
            let pass = try tx.query(
                Query(
                    """
                    SELECT landed_through, evaluated, restated, non_finite_actuals, evaluated_horizons::text AS horizons
                    FROM forecast.evaluation_passes WHERE id = \(id)
                    """
                ).named("evaluation_pass")
            ).first!
            return Pass(
                id: id, landedThrough: try pass.decodeIfPresent("landed_through", as: PostgresDate.self),
                evaluated: try pass.decode("evaluated", as: Int.self), restated: try pass.decode("restated", as: Int.self),
                nonFiniteActuals: try pass.decode("non_finite_actuals", as: Int.self),
                evaluatedHorizons: try EvaluatedHorizons(json: try pass.decode("horizons", as: String.self)).byFrequency)
        }
    }
}

/// The rolling 4-week accuracy `evaluate` prints (`forecast.accuracy_4w`, `forecast.forecast_value_added`).
public struct AccuracySummary: Sendable {
    public struct Line: Sendable {
        public let frequency: Frequency, role: String, forecasts: Int
        public let wape: Double?, mase: Double?, bias: Double?, coverage: Double?
        public let versions: String
    }
    public let lines: [Line]
    /// Frequency -> 1 - served error / baseline error on the same rows.
    public let valueAdded: [String: Double]

    public static func load(on connection: Connection) throws -> AccuracySummary {
        let lines = try connection.query(
            Query(
                """
                SELECT frequency, role, forecasts::int AS n, wape, mase, bias, coverage::float8 AS coverage, model_versions
                FROM forecast.accuracy_4w WHERE segment_kind = 'all'
                ORDER BY frequency, array_position(ARRAY['served', 'shadow', 'baseline'], role)
                """
            ).named("accuracy_summary")
        ).rows.map {
            Line(
                frequency: try $0.decode("frequency"), role: try $0.decode("role"), forecasts: try $0.decode("n"),
                wape: try $0.decodeIfPresent("wape", as: Double.self), mase: try $0.decodeIfPresent("mase", as: Double.self),
                bias: try $0.decodeIfPresent("bias", as: Double.self), coverage: try $0.decodeIfPresent("coverage", as: Double.self),
                versions: try $0.decodeIfPresent("model_versions", as: String.self) ?? "")
        }
        var added: [String: Double] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT frequency, value_added FROM forecast.forecast_value_added WHERE segment_kind = 'all' AND value_added IS NOT NULL
                """
            ).named("value_added_summary")
        ).rows {
            added[try row.decode("frequency")] = try row.decode("value_added", as: Double.self)
        }
        return AccuracySummary(lines: lines, valueAdded: added)
    }
}
