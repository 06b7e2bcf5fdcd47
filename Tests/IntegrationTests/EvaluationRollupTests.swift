import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 32: the 4-week views read rollups that `evaluate` keeps. Whatever happened (new runs, a
/// shadow, extra interval levels, a restated actual, a rerun that supersedes a run), each view
/// shows what its definition over every current evaluation (`forecast.evaluation_current`, as the
/// views read it before migration 044) gives.
extension Integration {
    @Suite struct EvaluationRollupTests {
        /// The views' definitions over every evaluation, as migrations 019, 023, 039 and 040 wrote
        /// them (a series' segments: the smallest, as exceptions_4w took them).
        static let reference: [(view: String, keys: [String], numbers: [String], texts: [String], sql: String)] = [
            (
                "accuracy_4w", ["frequency", "role", "segment_kind", "segment"],
                ["forecasts", "wape", "mase", "bias", "coverage", "exception_rate"], ["model_versions"],
                """
                WITH accuracy AS (
                    SELECT frequency, role,
                           CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
                                WHEN GROUPING(demand_class) = 0 THEN 'class' WHEN GROUPING(horizon) = 0 THEN 'horizon' ELSE 'all' END AS segment_kind,
                           coalesce(category, region, demand_class, horizon::text, 'all') AS segment,
                           count(*) AS forecasts, sum(abs(yhat - actual)) / nullif(sum(abs(actual)), 0) AS wape,
                           avg(abs(yhat - actual) / nullif(mase_scale, 0)) AS mase, sum(yhat - actual) / nullif(sum(abs(actual)), 0) AS bias,
                           avg(CASE WHEN actual BETWEEN yhat_lower AND yhat_upper THEN 1.0 ELSE 0.0 END) AS coverage,
                           string_agg(DISTINCT model_version, ', ') AS model_versions
                    FROM forecast.evaluation_current WHERE in_last_4_weeks
                    GROUP BY GROUPING SETS ((frequency, role), (frequency, role, category), (frequency, role, region),
                                            (frequency, role, demand_class), (frequency, role, horizon))),
                per_series AS (
                    SELECT frequency, role, min(category) AS category, min(region) AS region, min(demand_class) AS demand_class,
                           abs(sum(yhat) - sum(actual)) > coalesce(min(o.exception_tolerance), 0.3) * greatest(sum(actual), 1) AS exception
                    FROM forecast.evaluation_current LEFT JOIN forecast.service_objectives o USING (frequency)
                    WHERE in_last_4_weeks GROUP BY frequency, role, item_id, location_id),
                exceptions AS (
                    SELECT frequency, role,
                           CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
                                WHEN GROUPING(demand_class) = 0 THEN 'class' ELSE 'all' END AS segment_kind,
                           coalesce(category, region, demand_class, 'all') AS segment,
                           avg(CASE WHEN exception THEN 1.0 ELSE 0.0 END) AS exception_rate
                    FROM per_series
                    GROUP BY GROUPING SETS ((frequency, role), (frequency, role, category), (frequency, role, region), (frequency, role, demand_class)))
                SELECT a.*, x.exception_rate FROM accuracy a LEFT JOIN exceptions x USING (frequency, role, segment_kind, segment)
                """
            ),
            (
                "forecast_value_added", ["frequency", "segment_kind", "segment"],
                ["forecasts", "served_wape", "baseline_wape", "shadow_wape", "value_added"], [],
                """
                WITH targets AS (
                    SELECT frequency, max(category) FILTER (WHERE role = 'served') AS category,
                           max(region) FILTER (WHERE role = 'served') AS region,
                           max(demand_class) FILTER (WHERE role = 'served') AS demand_class,
                           max(actual) FILTER (WHERE role = 'served') AS actual,
                           max(abs(yhat - actual)) FILTER (WHERE role = 'served') AS served_error,
                           max(abs(yhat - actual)) FILTER (WHERE role = 'baseline') AS baseline_error,
                           max(abs(yhat - actual)) FILTER (WHERE role = 'shadow') AS shadow_error,
                           bool_or(in_last_4_weeks) AS recent
                    FROM forecast.evaluation_current GROUP BY frequency, run_id, item_id, location_id, ds),
                paired AS (SELECT * FROM targets WHERE served_error IS NOT NULL AND baseline_error IS NOT NULL AND recent)
                SELECT frequency,
                       CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
                            WHEN GROUPING(demand_class) = 0 THEN 'class' ELSE 'all' END AS segment_kind,
                       coalesce(category, region, demand_class, 'all') AS segment, count(*) AS forecasts,
                       sum(served_error) / nullif(sum(abs(actual)), 0) AS served_wape,
                       sum(baseline_error) / nullif(sum(abs(actual)), 0) AS baseline_wape,
                       sum(shadow_error) / nullif(sum(abs(actual)) FILTER (WHERE shadow_error IS NOT NULL), 0) AS shadow_wape,
                       1 - sum(served_error) / nullif(sum(baseline_error), 0) AS value_added
                FROM paired
                GROUP BY GROUPING SETS ((frequency), (frequency, category), (frequency, region), (frequency, demand_class))
                """
            ),
            (
                "top_offenders", ["frequency", "item_id", "location_id"], ["forecasts", "abs_error", "error_share", "wape", "bias", "rank"],
                ["category", "region", "demand_class"],
                """
                SELECT frequency, item_id, location_id, min(category) AS category, min(region) AS region, min(demand_class) AS demand_class,
                       count(*) AS forecasts, sum(abs(yhat - actual)) AS abs_error,
                       sum(abs(yhat - actual)) / nullif(sum(sum(abs(yhat - actual))) OVER (PARTITION BY frequency), 0) AS error_share,
                       sum(abs(yhat - actual)) / nullif(sum(abs(actual)), 0) AS wape, sum(yhat - actual) / nullif(sum(abs(actual)), 0) AS bias,
                       rank() OVER (PARTITION BY frequency ORDER BY sum(abs(yhat - actual)) DESC) AS rank
                FROM forecast.evaluation_current WHERE role = 'served' AND in_last_4_weeks
                GROUP BY frequency, item_id, location_id
                """
            ),
            (
                "exceptions_4w", ["frequency", "role", "item_id", "location_id"],
                ["forecasts", "forecast_total", "actual_total", "miss", "miss_share", "tolerance"], ["category", "region", "demand_class", "exception"],
                """
                WITH p AS (
                    SELECT frequency, role, item_id, location_id, min(category) AS category, min(region) AS region,
                           min(demand_class) AS demand_class, count(*) AS forecasts, sum(yhat) AS forecast_total, sum(actual) AS actual_total
                    FROM forecast.evaluation_current WHERE in_last_4_weeks GROUP BY frequency, role, item_id, location_id)
                SELECT p.*, p.forecast_total - p.actual_total AS miss, (p.forecast_total - p.actual_total) / greatest(p.actual_total, 1) AS miss_share,
                       coalesce(o.exception_tolerance, 0.3) AS tolerance,
                       abs(p.forecast_total - p.actual_total) > coalesce(o.exception_tolerance, 0.3) * greatest(p.actual_total, 1) AS exception
                FROM p LEFT JOIN forecast.service_objectives o ON o.frequency = p.frequency
                """
            ),
            (
                "quantile_coverage_4w", ["frequency", "interval_level"], ["forecasts", "coverage"], [],
                """
                SELECT e.frequency, e.interval_level, count(*) AS forecasts,
                       avg(CASE WHEN e.actual BETWEEN e.yhat_lower AND e.yhat_upper THEN 1.0 ELSE 0.0 END) AS coverage
                FROM (SELECT c.*, f.interval_level FROM forecast.evaluation_current c
                      JOIN forecast.forecasts f ON f.run_id = c.run_id AND f.item_id = c.item_id AND f.location_id = c.location_id AND f.ds = c.ds
                      WHERE c.role = 'served' AND c.in_last_4_weeks) e
                GROUP BY e.frequency, e.interval_level
                UNION ALL
                SELECT c.frequency, q.interval_level, count(*),
                       avg(CASE WHEN c.actual BETWEEN q.yhat_lower[c.horizon] AND q.yhat_upper[c.horizon] THEN 1.0 ELSE 0.0 END)
                FROM forecast.evaluation_current c
                JOIN forecast.forecast_quantiles q ON q.run_id = c.run_id AND q.item_id = c.item_id AND q.location_id = c.location_id
                WHERE c.role = 'served' AND c.in_last_4_weeks
                GROUP BY c.frequency, q.interval_level
                """
            ),
        ]

        /// Per view: rows it has, and rows that differ from its reference (a key on one side only, a
        /// text that differs, a number off by more than 1e-9 of its size: sums add in another order).
        static func differences(_ db: TestDatabase) throws -> [String: (rows: Int, differing: Int)] {
            var out: [String: (rows: Int, differing: Int)] = [:]
            for r in reference {
                let on = r.keys.map { "v.\($0) = r.\($0)" }.joined(separator: " AND ")
                let differs =
                    r.keys.map { "v.\($0) IS NULL OR r.\($0) IS NULL" }
                    + r.numbers.map { "(v.\($0) IS NULL) <> (r.\($0) IS NULL) OR abs(v.\($0) - r.\($0)) > 1e-9 * greatest(1, abs(r.\($0)))" }
                    + r.texts.map { "v.\($0)::text IS DISTINCT FROM r.\($0)::text" }
                let row = try db.connect().query(
                    Query(
                        unsafeSQL: """
                            SELECT (SELECT count(*) FROM forecast.\(r.view))::int AS n,
                                   (SELECT count(*) FROM forecast.\(r.view) v FULL JOIN (\(r.sql)) r ON \(on)
                                    WHERE \(differs.map { "(\($0))" }.joined(separator: " OR ")))::int AS d
                            """)
                ).first!
                out[r.view] = (try row.decode("n", as: Int.self), try row.decode("d", as: Int.self))
            }
            return out
        }

        static func expectSame(_ db: TestDatabase, _ when: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            for (view, d) in try differences(db).sorted(by: { $0.key < $1.key }) {
                #expect(d.rows > 0 && d.differing == 0, "\(when): \(view) has \(d.rows) rows, \(d.differing) differ", sourceLocation: sourceLocation)
            }
            // The per-series days are those of the window, each from the runs published for it.
            #expect(
                try db.scalar(
                    """
                    SELECT count(*)::int FROM forecast.series_day_sources s
                    FULL JOIN (SELECT frequency, ds, array_agg(DISTINCT run_id ORDER BY run_id) AS runs
                               FROM forecast.evaluation_current WHERE in_last_4_weeks GROUP BY frequency, ds) c USING (frequency, ds)
                    WHERE s.runs IS DISTINCT FROM c.runs
                    """, as: Int.self) == 0, "\(when): series days and their runs", sourceLocation: sourceLocation)
        }

        @Test func theViewsOverRollupsEqualTheirDefinitionsThroughRestatementsAndReruns() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2, days: 200)
            var backtest = try Backtests.options(folds: 2, horizon: 7, models: [.naive])
            backtest.extraLevels = [0.5, 0.95]
            _ = try Backtests.runner(db).run(backtest)
            var options = Fixtures.options(horizon: 7, force: true)
            options.config.model = ModelSpec(kind: .naive, seasonLength: 7, window: 28)
            options.config.quantileLevels = [0.5, 0.95]
            for day in ["2026-11-06", "2026-11-13"] {
                options.cutoff = PostgresDate(iso: day)!
                #expect(try Fixtures.coordinator(db).run(options).outcome == .published)
            }
            // A registry run with a shadow beside it (the value added's third column).
            let production = try Registry.train(db, "moving_average", label: "moving average")
            _ = try ModelStages.promote(production.version, to: .production, force: false, reason: nil, on: try db.connect())
            let candidate = try Registry.train(db, "seasonal_naive", label: "seasonal naive")
            _ = try ModelStages.promote(candidate.version, to: .shadow, force: true, reason: "test", on: try db.connect())
            let shadowed = try Registry.serve(db, horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!)
            #expect(shadowed.shadowVersion == candidate.version)

            let c = try db.connect()
            defer { c.close() }
            let first = try Evaluator.evaluate(inputSchema: "demand", on: c)
            #expect(first.evaluated > 0)
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.evaluation_rollup WHERE role = 'shadow'", as: Int.self) > 0)
            #expect(try db.scalar("SELECT count(DISTINCT interval_level)::int FROM forecast.evaluation_level_rollup", as: Int.self) == 3)
            try Self.expectSame(db, "first pass")

            // A restated actual, then a pass that follows it.
            try db.execute(
                """
                UPDATE demand.sales SET qty = qty + 40, loaded_at = clock_timestamp()
                WHERE location_id = 'L0001' AND ds IN ('2026-11-12', '2026-11-18')
                """)
            #expect(try Evaluator.evaluate(inputSchema: "demand", on: c).restated > 0)
            try Self.expectSame(db, "after a restatement")

            // A rerun of 11-13 with another model supersedes the first: its days are summed again.
            options.cutoff = PostgresDate(iso: "2026-11-13")!
            options.config.model = ModelSpec(kind: .movingAverage, seasonLength: 7, window: 14)
            options.config.quantileLevels = nil
            let rerun = try Fixtures.coordinator(db).run(options)
            #expect(rerun.outcome == .published)
            let pass = try Evaluator.evaluate(inputSchema: "demand", on: c)
            #expect(pass.evaluated > 0)
            try Self.expectSame(db, "after a rerun")
            #expect(try db.scalar("SELECT count(DISTINCT interval_level)::int FROM forecast.quantile_coverage_4w", as: Int.self) == 3)

            // Nothing written by hand: the roles only read the rollups.
            for (role, url) in [("worker", try db.workerURL()), ("reader", try db.readerURL())] {
                let hand = try Connection.connect(url)
                defer { hand.close() }
                for sql in [
                    "DELETE FROM forecast.evaluation_rollup", "UPDATE forecast.series_4w SET abs_error = 0",
                    "INSERT INTO forecast.series_day_sources VALUES ('day', '2026-11-01', '{}', now())",
                ] {
                    let refused = #expect(throws: PostgresError.self, "\(role): \(sql)") { try hand.execute(Query(unsafeSQL: sql)) }
                    #expect(refused?.sqlState == .insufficientPrivilege, "\(role): \(sql)")
                }
            }
            // The worker may call the functions with whatever arguments: they only ever recompute
            // from the evaluations (no run, an unknown run, a day never scored, every day).
            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            for call in [
                "forecast.roll_up_evaluations(NULL, NULL)", "forecast.roll_up_evaluations(-1, '{}')",
                "forecast.roll_up_evaluations(\(rerun.runID), '{1900-01-01}')", "forecast.roll_up_evaluations(\(rerun.runID), NULL)",
                "forecast.roll_up_series()",
            ] {
                try worker.execute(Query(unsafeSQL: "SELECT \(call)"))
            }
            try Self.expectSame(db, "after the worker's own calls")
        }
    }
}
