import Foundation
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

/// Issue 31, item 8: several interval levels per run. A backtest with `--levels` calibrates and
/// gates each; a run with the same levels publishes them beside its own, served by the same model
/// from the same fit (only the intervals differ), in `forecast.latest_quantiles`.
extension Integration {
    @Suite struct QuantileLevels {
        @Test func aRunPublishesEveryCalibratedLevelNestedAroundTheSameForecast() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 12, locations: 2, days: 200)
            var backtest = try Backtests.options(folds: 3, horizon: 7, models: [.seasonalNaive, .ses])
            backtest.extraLevels = try Pipeline.QuantileLevels.validated([0.95, 0.5, 0.8, 0.5], main: 0.8)
            #expect(backtest.extraLevels == [0.5, 0.95])
            let report = try Backtests.runner(db).run(backtest)
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT string_agg(model_name || '@' || interval_level || ':' || (cross_fold_coverage IS NOT NULL), ',' ORDER BY model_name, interval_level)
                        FROM forecast.interval_calibrations WHERE backtest_id = \(report.id)
                        """), as: String.self)
                    == "SES(0.1)@0.5:true,SES(0.1)@0.8:true,SES(0.1)@0.95:true,SeasonalNaive(7)@0.5:true,SeasonalNaive(7)@0.8:true,SeasonalNaive(7)@0.95:true")
            // The gate holds each level to the same tolerance.
            var gate = AccuracyGate.standard
            gate.candidate = "SES(0.1)"
            let checks = try gate.evaluate(report, folds: 3)
            #expect(
                checks.filter { $0.name.hasPrefix("conformal coverage SES(0.1)") }.map { $0.name }.sorted() == [
                    "conformal coverage SES(0.1)", "conformal coverage SES(0.1) at 50.0%", "conformal coverage SES(0.1) at 95.0%",
                ])

            var options = Fixtures.options(horizon: 7)
            options.config.model = ModelSpec(kind: .ses, seasonLength: 7, window: 28)
            let plain = try Fixtures.coordinator(db).run(options)
            options.force = true
            options.config.quantileLevels = [0.5, 0.95]
            let run = try Fixtures.coordinator(db).run(options)
            #expect(run.outcome == .published && run.calibrationBacktestID == report.id)
            let series = run.seriesCount
            #expect(try db.scalar(Query("SELECT count(*) FROM forecast.forecast_quantiles WHERE run_id = \(run.runID)"), as: Int.self) == series * 2)
            // The served rows are those of the run without levels, value for value.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.forecasts a JOIN forecast.forecasts b USING (item_id, location_id, ds)
                        WHERE a.run_id = \(plain.runID) AND b.run_id = \(run.runID)
                          AND (a.yhat, a.yhat_lower, a.yhat_upper, a.model_name) IS NOT DISTINCT FROM (b.yhat, b.yhat_lower, b.yhat_upper, b.model_name)
                        """), as: Int.self) == series * 7)
            // Every period at three levels, nested around one forecast, with the quantiles named.
            let shape = try db.scalar(
                """
                SELECT count(*) || ':' || count(DISTINCT (item_id, location_id, ds)) || ':' || string_agg(DISTINCT interval_level || '=' || lower_quantile || '/' || upper_quantile, ' ')
                FROM forecast.latest_quantiles
                """, as: String.self)
            #expect(shape == "\(series * 21):\(series * 7):0.5=0.25/0.75 0.8=0.1/0.9 0.95=0.025/0.975", "\(shape)")
            #expect(
                try db.scalar(
                    """
                    SELECT count(*) FROM (
                        SELECT item_id, location_id, ds,
                               array_agg(yhat_lower ORDER BY interval_level) AS lo, array_agg(yhat_upper ORDER BY interval_level) AS hi,
                               count(DISTINCT yhat) AS means
                        FROM forecast.latest_quantiles GROUP BY item_id, location_id, ds) p
                    WHERE NOT (lo[3] <= lo[2] AND lo[2] <= lo[1] AND hi[1] <= hi[2] AND hi[2] <= hi[3] AND lo[3] >= 0 AND means = 1)
                    """, as: Int.self) == 0)
            #expect(
                try db.scalar(
                    "SELECT count(*) FILTER (WHERE yhat_upper > yhat_lower) FROM forecast.latest_quantiles WHERE interval_level = 0.95", as: Int.self)
                    > 0)
            // Published quantiles are fixed, for the worker role too.
            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            #expect(throws: PostgresError.self) {
                try worker.execute(Query("UPDATE forecast.forecast_quantiles SET yhat_upper = yhat_lower WHERE run_id = \(run.runID)"))
            }
            #expect(throws: PostgresError.self) { try worker.execute(Query("DELETE FROM forecast.forecast_quantiles WHERE run_id = \(run.runID)")) }
            // Nor can it add a level (or a series) to the published run: rows only while a run is running (FC003).
            let added = #expect(throws: PostgresError.self) {
                try worker.execute(
                    Query(
                        """
                        INSERT INTO forecast.forecast_quantiles (run_id, item_id, location_id, interval_level, yhat_lower, yhat_upper)
                        VALUES (\(run.runID), 'I000001', 'L0001', 0.99, '{0}', '{1000000}')
                        """))
            }
            #expect(added?.sqlState == SQLState("FC003"), "\(String(describing: added))")

            // Once actuals land, each level's coverage is measured (a run two weeks back, then evaluate).
            var earlier = options
            earlier.cutoff = PostgresDate(iso: "2026-11-13")!
            #expect(try Fixtures.coordinator(db).run(earlier).outcome == .published)
            _ = try Evaluator.evaluate(inputSchema: "demand", on: try db.connect())
            let coverage = try db.scalar(
                """
                SELECT string_agg(interval_level || ':' || forecasts || ':' || (coverage BETWEEN 0 AND 1), ',' ORDER BY interval_level)
                FROM forecast.quantile_coverage_4w WHERE frequency = 'day'
                """, as: String.self)
            #expect(coverage == "0.5:\(series * 7):true,0.8:\(series * 7):true,0.95:\(series * 7):true", "\(coverage)")
            #expect(
                try db.scalar(
                    "SELECT max(coverage) FILTER (WHERE interval_level = 0.95) >= max(coverage) FILTER (WHERE interval_level = 0.5) FROM forecast.quantile_coverage_4w",
                    as: Bool.self))

            // A level no backtest calibrated is refused before anything is written.
            options.config.quantileLevels = [0.99]
            let error = #expect(throws: PipelineError.self) { try Fixtures.coordinator(db).run(options) }
            #expect(error?.description.contains("run `forecastctl backtest --levels 0.99` first") == true, "\(String(describing: error))")
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 3)
        }

        /// The same through the command line: `backtest --levels` prints each level's coverage,
        /// `run --levels` publishes them, and a level out of range or not a number is a usage error.
        @Test func theCommandLineTakesLevels() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2, days: 150)
            let when = ["--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z"]
            let backtest = try CLI.run(
                ["backtest"] + when + ["--folds", "2", "--horizon", "7", "--models", "naive", "--levels", "0.95,0.5", "--no-progress", "--format", "json"],
                databaseURL: db.url)
            let tables = try #require(try JSONSerialization.jsonObject(with: Data(backtest.stdout.utf8)) as? [String: [[String: Any]]], "\(backtest.stderr)")
            #expect(
                tables["levels"]?.filter { $0["model"] as? String == "Naive" }.compactMap { $0["interval_level"] as? Double } == [0.8, 0.5, 0.95],
                "\(tables["levels"] ?? [])")
            #expect(tables["levels"]?.allSatisfy { $0["conformal_coverage"] is Double } == true)
            let run = try CLI.run(["run"] + when + ["--horizon", "7", "--model", "naive", "--levels", "0.5,0.95"], databaseURL: db.url)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try db.scalar("SELECT count(DISTINCT interval_level) FROM forecast.latest_quantiles", as: Int.self) == 3)
            #expect(
                try db.scalar("SELECT recipe -> 'quantileLevels' = '[0.5, 0.95]'::jsonb FROM forecast.runs", as: Bool.self),
                "the levels are part of the recipe")
            // A version trained with levels publishes them in the nightly (registry) run, without --levels.
            let train = try CLI.run(
                ["train", "--label", "levels", "--model", "naive", "--candidates", "naive"] + when
                    + ["--folds", "2", "--horizon", "7", "--levels", "0.5,0.95", "--no-progress"], databaseURL: db.url)
            #expect(train.status == 0 || train.status == 2, "\(train.stdout)\(train.stderr)")
            #expect(
                try db.scalar("SELECT policy -> 'quantileLevels' = '[0.5, 0.95]'::jsonb FROM forecast.model_versions", as: Bool.self),
                "\(train.stdout)")
            let version = try db.scalar("SELECT version FROM forecast.model_versions", as: String.self)
            let promoted = try CLI.run(["promote", version, "--to", "production", "--force", "--reason", "levels test"], databaseURL: db.url)
            #expect(promoted.status == 0, "\(promoted.stderr)")
            let nightly = try CLI.run(["run"] + when + ["--force"], databaseURL: db.url)
            #expect(nightly.status == 0, "\(nightly.stderr)")
            #expect(
                try db.scalar(
                    """
                    SELECT count(DISTINCT q.interval_level) FROM forecast.latest_quantiles q JOIN forecast.runs r ON r.id = q.run_id
                    WHERE r.serving = 'version'
                    """, as: Int.self) == 3)
            for (levels, words) in [("0.5,1.5", "--levels must each be between 0 and 1, got 1.5"), ("0.5,x", "--levels")] {
                let bad = try CLI.run(["run"] + when + ["--model", "naive", "--levels", levels, "--force"], databaseURL: db.url)
                #expect(bad.status == 64 && bad.stderr.contains(words), "\(levels): \(bad.stderr)")
            }
        }
    }
}
