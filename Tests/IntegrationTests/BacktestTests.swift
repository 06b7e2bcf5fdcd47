import Foundation
import GradientBoosting
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

/// Records the largest value any training slice contained: a model that could see the future.
final class SpyModel: ForecastModel, @unchecked Sendable {
    let seen = Mutex<[Double]>([])
    var name: String { "Spy" }
    var minimumObservations: Int { 1 }
    func fit(_ y: [Double]) throws -> any FittedModel {
        seen.withLock { $0.append(y.max() ?? 0) }
        return try Naive().fit(y)
    }
}

/// A model that cannot fit any series (a run serves such a series `Naive[fallback]`).
struct FailingModel: ForecastModel {
    var name: String { "Failing" }
    var minimumObservations: Int { 1 }
    func fit(_ y: [Double]) throws -> any FittedModel { throw ForecastError.invalidParameter(model: "Failing", message: "fails by design") }
}

extension Integration {
    @Suite struct Backtests {
        static func options(folds: Int = 3, horizon: Int = 7, gap: Int = 0, models: [ModelSpec.Kind] = [.naive, .croston]) throws -> BacktestOptions {
            BacktestOptions(
                end: Fixtures.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: folds, step: 7, horizon: horizon, gap: gap),
                models: models.map { ModelSpec(kind: $0, seasonLength: 7, window: 28) }, workers: 2, chunkSize: 20,
                showProgress: false)
        }

        static func runner(_ db: TestDatabase) -> BacktestRunner {
            BacktestRunner(sql: TestDatabase.sql, logger: .init(label: "test"), connect: db.connector)
        }

        @Test func writesEveryFoldSeriesPeriodAndModelWithExactCutoffs() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let report = try Self.runner(db).run(try Self.options(gap: 2))
            // newest cutoff = end - (gap + horizon) = 2026-11-27 - 9 days; folds step back 7 days.
            #expect(report.cutoffs == ["2026-11-04", "2026-11-11", "2026-11-18"])
            #expect(report.models == ["SeasonalNaive(7)", "Naive", "CrostonClassic", "Selected"])
            #expect(try db.scalar("SELECT cutoffs::text FROM forecast.backtests", as: String.self) == "{2026-11-04,2026-11-11,2026-11-18}")
            #expect(try db.scalar("SELECT status FROM forecast.backtests", as: String.self) == "finished")
            let expectedRows = try db.scalar(
                """
                SELECT (count(*) FILTER (WHERE first_ds <= '2026-11-04') + count(*) FILTER (WHERE first_ds <= '2026-11-11')
                        + count(*) FILTER (WHERE first_ds <= '2026-11-18')) * 3 * 7
                FROM (SELECT b.series_no, min(s.ds) AS first_ds FROM forecast.backtest_series b
                      JOIN demand.sales s USING (item_id, location_id) GROUP BY b.series_no) x
                """, as: Int.self)
            // Plus the out-of-sample Selected forecast: one row per series and period from the second fold on.
            let selectedRows = try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE model_name = 'Naive' AND fold >= 1", as: Int.self)
            #expect(report.rows == expectedRows + selectedRows)
            #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results", as: Int.self) == expectedRows + selectedRows)
            #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE model_name = 'Selected'", as: Int.self) == selectedRows)
            // Horizons run gap+1 ... gap+H, and every target is after its cutoff by exactly that many days.
            #expect(try db.scalar("SELECT min(horizon)::text || '-' || max(horizon)::text FROM forecast.backtest_results", as: String.self) == "3-9")
            #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE ds - cutoff <> horizon", as: Int.self) == 0)
            // The SQL recipe in the migration gives the report's numbers.
            let sqlWAPE = try db.scalar(
                """
                SELECT sum(abs(yhat - actual)) / sum(abs(actual)) FROM forecast.backtest_results
                WHERE model_name = 'Naive' AND actual IS NOT NULL
                """, as: Double.self)
            let key = BacktestReport.Key(model: "Naive", kind: .all, value: "all")
            #expect(abs(sqlWAPE - report.groups[key]!.wape) < 1e-9)
            #expect(try db.scalar("SELECT jsonb_array_length(summary) > 20 FROM forecast.backtests", as: Bool.self))
        }

        @Test func foldsNeverSeeDataAfterTheirCutoff() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            // Huge sales dated after every cutoff: any fold that trained on them would see 1e9.
            try db.execute("UPDATE demand.sales SET qty = 1e9 WHERE ds > '2026-11-06'")
            let report = try Self.runner(db).run(try Self.options(folds: 2, horizon: 7, models: [.naive]))
            #expect(report.cutoffs == ["2026-11-13", "2026-11-20"])
            // Through the real reader and evaluator, with a model that reports what it was given:
            // a fold with cutoff 2026-11-06 must never see the marker; one with cutoff 2026-11-13 does.
            let c = try db.connect()
            defer { c.close() }
            let reader = SeriesReader(
                runID: report.id, cutoff: Fixtures.end, asOf: Fixtures.asOf, frequency: .day,
                schema: SQLIdentifier("demand"), source: .backtest)
            let series = try reader.read(chunk: 0, on: c)
            #expect(series.contains { $0.values.max() == 1e9 })  // the future is in memory...
            func maxima(newestCutoff: String) throws -> [Double] {
                let spy = SpyModel()
                let cutoff = PostgresDate(iso: newestCutoff)!
                let evaluator = FoldEvaluator(
                    plan: try BacktestPlan(folds: 1, step: 7, horizon: 7), models: [.local(spy, primaryName: "Spy")], modelNames: ["Spy"],
                    cutoffs: [cutoff], newestCutoff: cutoff, reader: reader, level: 0.8,
                    seasonLength: 7, backtestID: report.id)
                var writer = BinaryCopyWriter()
                var groups: [BacktestReport.Key: ErrorAccumulator] = [:]
                for s in series { evaluator.evaluate(s, category: "c", region: "r", into: &writer, groups: &groups) }
                return spy.seen.withLock { $0 }
            }
            let before = try maxima(newestCutoff: "2026-11-06")
            #expect(!before.isEmpty)
            #expect(before.allSatisfy { $0 < 1e9 })  // ...but no fold trains on anything after its cutoff
            #expect(try maxima(newestCutoff: "2026-11-13").contains(1e9))  // control: the marker is reachable
            // In the stored results, the 2026-11-13 fold's forecasts reflect the marker, the
            // 2026-11-20 fold's too, and nothing is forecast from before the marker with it.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.backtest_results WHERE backtest_id = \(report.id) AND cutoff = '2026-11-13' AND yhat >= 1e9
                        """), as: Int.self) > 0)
        }

        /// A series whose model fails is scored as a run serves it (`Naive[fallback]`), not left out
        /// of the backtest: before, a model failing on the hard series scored only on the easy ones.
        @Test func aFailingModelIsScoredAsTheRunsFallback() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2, days: 90)
            let report = try Self.runner(db).run(try Self.options(folds: 1, horizon: 7, models: [.naive]))
            let c = try db.connect()
            defer { c.close() }
            let reader = SeriesReader(
                runID: report.id, cutoff: Fixtures.end, asOf: Fixtures.asOf, frequency: .day,
                schema: SQLIdentifier("demand"), source: .backtest)
            let series = try reader.read(chunk: 0, on: c)
            let evaluator = FoldEvaluator(
                plan: try BacktestPlan(folds: 2, step: 7, horizon: 7),
                models: [.local(FailingModel(), primaryName: "Failing"), .local(Naive(), primaryName: "Naive")],
                modelNames: ["Failing", "Naive"], cutoffs: [-14, -7].map { PostgresDate(unixDays: Fixtures.end.unixDays + $0) },
                newestCutoff: PostgresDate(unixDays: Fixtures.end.unixDays - 7), reader: reader, level: 0.8,
                seasonLength: 7, backtestID: report.id)
            var writer = BinaryCopyWriter()
            var groups: [BacktestReport.Key: ErrorAccumulator] = [:]
            for s in series { evaluator.evaluate(s, category: "c", region: "r", into: &writer, groups: &groups) }
            let failing = groups.filter { $0.key.model == "Failing" }, naive = groups.filter { $0.key.model == "Naive" }
            #expect(!failing.isEmpty && failing.count == naive.count)
            for (key, acc) in failing {
                let twin = naive[BacktestReport.Key(model: "Naive", kind: key.kind, value: key.value)]
                #expect(acc.count > 0 && acc == twin, "\(key)")
            }
            #expect(ServedModel.fallbackName == "Naive[fallback]")
        }

        @Test func firstFoldSelectionKeepsEachSeriesFormAndFoldZeroIsAFullSelection() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2, days: 160)
            var options = try Self.options(folds: 3, horizon: 7, models: [.autoETS, .autoTheta])
            #expect(options.structureSelection == .firstFold)
            let first = try Self.runner(db).run(options)
            options.structureSelection = .everyFold
            let every = try Self.runner(db).run(options)
            #expect(try db.scalar(Query("SELECT structure_selection FROM forecast.backtests WHERE id = \(first.id)"), as: String.self) == "first-fold")
            #expect(try db.scalar(Query("SELECT structure_selection FROM forecast.backtests WHERE id = \(every.id)"), as: String.self) == "every-fold")
            // first-fold: the structure (variant) chosen at the oldest cutoff serves every later fold of that series.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM (SELECT model_name, item_id, location_id FROM forecast.backtest_results
                                              WHERE backtest_id = \(first.id) AND model_name IN ('AutoETS', 'AutoTheta')
                                              GROUP BY 1, 2, 3 HAVING count(DISTINCT served_model) > 1) x
                        """), as: Int.self) == 0)
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(DISTINCT served_model) FROM forecast.backtest_results WHERE backtest_id = \(first.id) AND served_model LIKE 'Theta(%'
                        """), as: Int.self) >= 1)
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(DISTINCT served_model) FROM forecast.backtest_results WHERE backtest_id = \(first.id) AND served_model LIKE 'ETS(%'
                        """), as: Int.self) > 1)
            // The oldest fold has no earlier fit to start from: a full, cold selection in both modes.
            let compared = try db.scalar(
                Query(
                    """
                    SELECT count(*) FILTER (WHERE a.yhat = b.yhat)::text || '/' || count(*)::text
                    FROM forecast.backtest_results a JOIN forecast.backtest_results b USING (model_name, fold, item_id, location_id, ds)
                    WHERE a.backtest_id = \(first.id) AND b.backtest_id = \(every.id) AND fold = 0
                    """), as: String.self)
            let parts = compared.split(separator: "/").map { Int($0)! }
            #expect(parts[1] > 0 && parts[0] == parts[1], "fold 0 identical rows: \(compared)")
        }

        @Test func conformalIntervalsAreCalibratedAndUsedByRuns() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 40, locations: 3, days: 200)
            let report = try Self.runner(db).run(try Self.options(folds: 4, horizon: 14, models: [.seasonalNaive, .ses]))
            for model in report.models where model != .selected {
                let coverage = try #require(report.calibratedCoverage[model])
                #expect(abs(coverage - 0.8) <= 0.05, "\(model): conformal coverage \(coverage)")
            }
            #expect(try db.scalar("SELECT count(*) FROM forecast.interval_calibrations", as: Int.self) == 2)
            #expect(try db.scalar("SELECT cardinality(step_upper) FROM forecast.interval_calibrations LIMIT 1", as: Int.self) == 14)
            // A run for a model the backtest calibrated picks the calibration up and records it.
            var options = Fixtures.options(horizon: 14)
            options.config.model = ModelSpec(kind: .ses, seasonLength: 7, window: 28)
            let conformal = try Fixtures.coordinator(db).run(options)
            #expect(conformal.calibrationBacktestID == report.id)
            #expect(
                try db.scalar(Query("SELECT (config ->> 'calibrationBacktestID')::bigint FROM forecast.runs WHERE id = \(conformal.runID)"), as: Int64.self)
                    == report.id)
            options.force = true
            options.conformal = false
            let residual = try Fixtures.coordinator(db).run(options)
            #expect(residual.calibrationBacktestID == nil)
            // Same point forecasts, different intervals.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.forecasts a JOIN forecast.forecasts b USING (item_id, location_id, ds)
                        WHERE a.run_id = \(conformal.runID) AND b.run_id = \(residual.runID) AND a.yhat <> b.yhat
                        """), as: Int.self) == 0)
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.forecasts a JOIN forecast.forecasts b USING (item_id, location_id, ds)
                        WHERE a.run_id = \(conformal.runID) AND b.run_id = \(residual.runID) AND a.yhat_upper <> b.yhat_upper
                        """), as: Int.self) > 0)
        }

        @Test func runServesEachDemandClassWithTheSelectedModel() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 40, locations: 3, days: 200)
            let report = try Self.runner(db).run(try Self.options(folds: 2, horizon: 14, models: [.naive, .ses, .crostonSBA]))
            #expect(report.selection[.all] != nil)
            #expect(
                try db.scalar(Query("SELECT count(*) FROM forecast.model_selections WHERE backtest_id = \(report.id)"), as: Int.self)
                    == report.selection.count)
            var options = Fixtures.options(horizon: 14)
            options.config.model = ModelSpec(kind: .selected, seasonLength: 7, window: 28)
            let summary = try Fixtures.coordinator(db).run(options)
            #expect(summary.outcome == .published)
            #expect(summary.rows == summary.seriesCount * 14)
            #expect(summary.calibrationBacktestID == report.id)
            #expect(try db.scalar("SELECT model_version FROM forecast.runs", as: String.self).hasPrefix("Selected{all="))
            let served = Set(
                try db.scalar("SELECT string_agg(DISTINCT model_name, '|') FROM forecast.latest", as: String.self)
                    .components(separatedBy: "|"))
            let allowed = Set(report.selection.values.map(\.text)).union(["Naive"])
            #expect(served.isSubset(of: allowed), "\(served) not within \(allowed)")
        }

        @Test func selectionCanServeTheGlobalModelToTheClassesItWon() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 30, locations: 3, days: 200)
            let report = try Self.runner(db).run(try Self.options(folds: 2, horizon: 14, models: [.naive, .xgboost]))
            let globalClasses = report.selection.filter { $0.value.text == GlobalBoostedModel.name(.tweedie) }.map(\.key)
            #expect(!globalClasses.isEmpty, "XGBoost won no class against Naive: \(report.selection)")
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.model_selections WHERE backtest_id = \(report.id) AND model_spec ->> 'kind' = 'xgboost'
                        """), as: Int.self) == globalClasses.count)
            var options = Fixtures.options(horizon: 14)
            options.config.model = ModelSpec(kind: .selected, seasonLength: 7, window: 28)
            let summary = try Fixtures.coordinator(db).run(options)
            #expect(summary.outcome == .published)
            #expect(summary.rows == summary.seriesCount * 14)
            // The run trained the global model once, stored it with lineage, and served it.
            #expect(try db.scalar(Query("SELECT count(*) FROM forecast.model_artifacts WHERE run_id = \(summary.runID)"), as: Int.self) == 1)
            #expect(
                try db.scalar(Query("SELECT model_version FROM forecast.runs WHERE id = \(summary.runID)"), as: String.self)
                    .contains("=XGBoost(day)"))
            let served = Set(
                try db.scalar("SELECT string_agg(DISTINCT model_name, '|') FROM forecast.latest", as: String.self)
                    .components(separatedBy: "|"))
            #expect(served.contains(GlobalBoostedModel.name(.tweedie)))
            #expect(served.isSubset(of: Set(report.selection.values.map(\.text)).union(["Naive"])), "\(served)")
            // Each series gets the model of its demand class (classified on its history, as in the backtest).
            if !report.selection.values.contains("Naive") {
                #expect(served == [GlobalBoostedModel.name(.tweedie)])
            }
        }

        @Test func gateFailsWithExitTwoAndATable() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 20, locations: 2, days: 150)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(db.name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            func gate(_ improvement: Double) throws -> String {
                let path = dir.appendingPathComponent("gate-\(improvement).json").path
                try Data(
                    """
                    {"primary_metric": "wape", "candidate": "SES(0.1)", "min_improvement": \(improvement), "last_folds": 2,
                     "max_abs_bias": 1.0, "no_worse_segments": [], "coverage_tolerance": 0.5}
                    """.utf8
                ).write(to: URL(fileURLWithPath: path))
                return path
            }
            let args = ["backtest", "--as-of", "2026-11-28T06:00:00Z", "--folds", "2", "--horizon", "7", "--models", "ses", "--no-progress"]
            let strict = try CLI.run(args + ["--gate", try gate(0.99)], databaseURL: db.url)
            #expect(strict.status == 2, "\(strict.stderr)")
            #expect(strict.stdout.contains("wape vs SeasonalNaive(7), last 2 folds"))
            #expect(strict.stdout.contains("FAIL"))
            // stderr: the snapshot's contract warnings (the demo has a few negative quantities), then one error line.
            #expect(strict.stderr.hasPrefix("warning: sales_negative_quantity (demand.sales): "), "\(strict.stderr)")
            #expect(strict.stderr.hasSuffix("\nforecastctl: error: accuracy gate failed: 1 of 3 checks: wape vs SeasonalNaive(7), last 2 folds\n"))
            let lenient = try CLI.run(args + ["--gate", try gate(-1)], databaseURL: db.url)
            #expect(lenient.status == 0, "\(lenient.stderr)")
            #expect(lenient.stdout.contains("accuracy gate: all 3 checks pass"))
        }
    }
}
