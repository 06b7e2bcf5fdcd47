import Foundation
import GradientBoosting
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

/// Backtests of weekly series, of the global model, and of series with stockouts.
extension Integration.Backtests {
    @Test func weeklyBacktestsScoreWeeks() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 15, locations: 2, days: 420)
        let options = BacktestOptions(
            end: PostgresDate(iso: "2026-11-22")!, asOf: Fixtures.asOf,
            plan: try BacktestPlan(folds: 2, step: 1, horizon: 4), frequency: .week,
            models: [ModelSpec(kind: .ses, seasonLength: 52, window: 8)], workers: 2, chunkSize: 10,
            showProgress: false)
        let report = try Self.runner(db).run(options)
        #expect(report.cutoffs == ["2026-10-18", "2026-10-25"])
        #expect(report.models == ["SeasonalNaive(52)", "SES(0.1)", "Selected"])
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE extract(isodow FROM ds) <> 1", as: Int.self) == 0)
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE ds - cutoff <> (horizon - 1) * 7 + 1", as: Int.self) == 0)
        // Weekly actuals are the sums of the week's daily sales.
        let mismatches = try db.scalar(
            """
            SELECT count(*) FROM forecast.backtest_results r
            WHERE r.model_name = 'SES(0.1)' AND r.actual IS NOT NULL AND r.actual <> (
                SELECT coalesce(sum(qty), 0) FROM demand.sales s
                WHERE s.item_id = r.item_id AND s.location_id = r.location_id AND s.ds BETWEEN r.ds AND r.ds + 6)
            """, as: Int.self)
        #expect(mismatches == 0)
        let error = #expect(throws: PipelineError.self) {
            var bad = options
            bad.end = PostgresDate(iso: "2026-11-20")!
            _ = try Self.runner(db).run(bad)
        }
        #expect(error?.description == "weekly backtests need an end date on a Sunday (the last day of an ISO week), got 2026-11-20")
        // Without --step, weekly folds are two weeks apart in `backtest` as in `train` (it was 7 weeks in `backtest`).
        let cli = try CLI.run(
            [
                "backtest", "--frequency", "week", "--end", "2026-11-22", "--as-of", "2026-11-28T06:00:00Z",
                "--folds", "2", "--horizon", "4", "--models", "ses", "--no-progress",
            ], databaseURL: db.url)
        #expect(cli.status == 0 && cli.stdout.contains("(cutoffs 2026-10-11, 2026-10-25)"), "\(cli.stdout)\(cli.stderr)")
        #expect(BacktestPlan.defaultStep(.day) == 7 && BacktestPlan.defaultStep(.week) == 2)
    }

    @Test func globalXGBoostModelIsBacktestedLikeTheOthers() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 20, locations: 3, days: 200)
        let report = try Self.runner(db).run(try Self.options(folds: 2, horizon: 7, models: [.xgboost]))
        #expect(report.models == ["SeasonalNaive(7)", "XGBoost", "Selected"])
        let xgb = try #require(report.groups[BacktestReport.Key(model: "XGBoost", kind: .all, value: "all")])
        let sn = try #require(report.groups[BacktestReport.Key(model: "SeasonalNaive(7)", kind: .all, value: "all")])
        #expect(xgb.count == sn.count && xgb.count > 0)
        #expect(xgb.wape < 1.2 * sn.wape, "XGBoost WAPE \(xgb.wape) vs seasonal naive \(sn.wape)")
        #expect(
            try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE model_name = 'XGBoost'", as: Int.self)
                == db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE model_name = 'SeasonalNaive(7)'", as: Int.self))
        #expect(try db.scalar("SELECT count(*) FROM forecast.interval_calibrations WHERE model_name = 'XGBoost'", as: Int.self) == 1)
        // A run trains the global model once, stores it with its lineage, and every worker predicts with it.
        var options = Fixtures.options(horizon: 7, workers: 2, chunkSize: 9)
        options.config.model = ModelSpec(kind: .xgboost, seasonLength: 7, window: 28)
        let first = try Fixtures.coordinator(db).run(options)
        #expect(first.outcome == .published)
        #expect(first.rows == first.seriesCount * 7)
        #expect(first.calibrationBacktestID == report.id)  // the backtest calibrated XGBoost's intervals
        #expect(try db.scalar("SELECT string_agg(DISTINCT model_name, ',') FROM forecast.latest", as: String.self) == "XGBoost")
        #expect(
            try db.scalar(
                Query(
                    """
                    SELECT format || ' ' || training_cutoff || ' ' || (training_rows > 0) || ' ' || cardinality(features)
                    FROM forecast.model_artifacts WHERE run_id = \(first.runID)
                    """), as: String.self) == "xgboost-ubj 2026-11-27 true 40")
        // Its parameters are recorded, the histogram bins included (a small panel keeps 256).
        #expect(
            try db.scalar(
                Query(
                    """
                    SELECT parameters ->> 'max_bin' || ' ' || (parameters ->> 'objective') FROM forecast.model_artifacts WHERE run_id = \(first.runID)
                    """), as: String.self) == "256 reg:tweedie")
        // Every promotion type of the data is a feature column of its own (lineage: FeatureSpec).
        #expect(
            try db.scalar(
                Query(
                    """
                    SELECT array_to_string(features[20:23], ',') FROM forecast.model_artifacts WHERE run_id = \(first.runID)
                    """), as: String.self) == "promo_any_at_origin,promo_discount,promo_display,price_ratio")
        options.force = true
        options.workers = 1
        options.config.chunkSize = 25
        let second = try Fixtures.coordinator(db).run(options)
        #expect(try db.forecastRows(run: first.runID) == db.forecastRows(run: second.runID))
        #expect(try db.scalar("SELECT count(DISTINCT md5) FROM forecast.model_artifacts", as: Int.self) == 1)
    }

    /// The boosters are refit at the oldest fold and then once a fold's cutoff is more than
    /// `refitDays` past the last refit; the folds between are forecast by the older trees from their
    /// own origin (`GlobalRefits`). Against a backtest that refits at every fold: the refit folds'
    /// rows are the same bit for bit, the folds between differ (other trees), the per-series models
    /// do not move, and the cadence is recorded and reported.
    @Test func globalModelsAreRefitAtTheRetrainCadence() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 12, locations: 2, days: 200)
        var every = try Self.options(folds: 4, horizon: 7, models: [.xgboost, .ses])
        every.refitDays = 0
        var cadence = every
        cadence.refitDays = 14  // cutoffs 7 days apart: refits at folds 0 and 3
        let a = try Self.runner(db).run(every), b = try Self.runner(db).run(cadence)
        #expect(a.globalRefits == a.cutoffs)
        #expect(b.globalRefits == [b.cutoffs[0], b.cutoffs[3]])
        #expect(try db.scalar(Query("SELECT string_agg(global_refit_days::text, ',' ORDER BY id) FROM forecast.backtests"), as: String.self) == "0,14")
        func rows(_ id: Int64, _ model: String, fold: Int) throws -> String {
            try db.scalar(
                Query(
                    """
                    SELECT string_agg(item_id || location_id || ds || yhat::text || yhat_lower::text || yhat_upper::text, ';'
                                      ORDER BY item_id, location_id, ds)
                    FROM forecast.backtest_results WHERE backtest_id = \(id) AND model_name = \(model) AND fold = \(fold)
                    """), as: String.self)
        }
        for fold in 0..<4 {
            let same = try rows(a.id, "XGBoost", fold: fold) == rows(b.id, "XGBoost", fold: fold)
            #expect(same == (fold == 0 || fold == 3), "fold \(fold)")
            #expect(try rows(a.id, "SES(0.1)", fold: fold) == rows(b.id, "SES(0.1)", fold: fold))
        }
        #expect(GlobalRefits.servingFolds(cutoffs: b.cutoffs.map { PostgresDate(iso: $0)! }, everyDays: 14) == [0, 0, 0, 3])
        #expect(GlobalRefits.servingFolds(cutoffs: b.cutoffs.map { PostgresDate(iso: $0)! }, everyDays: 0) == [0, 1, 2, 3])
        // Weekly folds two weeks apart at the retrain cadence: a refit serves three folds (ages 0, 14, 28 days).
        let weekly = (0..<12).map { PostgresDate(unixDays: 20_000 + 14 * $0) }
        #expect(GlobalRefits.servingFolds(cutoffs: weekly, everyDays: GlobalRefits.retrainCadence) == [0, 0, 0, 3, 3, 3, 6, 6, 6, 9, 9, 9])
        // By default as production retrains, and the trees learn last year's windows of as many nights.
        #expect(GlobalRefits.defaultDays == 28 && GlobalRefits.defaultDays == GlobalRefits.retrainCadence)
        #expect(FeatureWindows.servingDays == MonitorConfig().retrainEveryDays)
        var bad = cadence
        bad.refitDays = -1
        let error = #expect(throws: PipelineError.self) { _ = try Self.runner(db).run(bad) }
        // The error carries the setting; the command line words it as its flag (`--refit-days ...`).
        #expect(error?.description == "refit days must be between 0 (every fold) and 3660, got -1")
        if case .invalidSetting(let setting, _) = error { #expect(setting == .refitDays) } else { Issue.record("\(String(describing: error))") }
    }

    @Test func stockoutPeriodsAreNotScoredAndNotLearnedAsZeros() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo()
        let censored = try db.scalar(
            """
            SELECT count(*) FROM demand.inventory i
            WHERE i.stockout AND i.ds > '2026-11-06' AND i.ds <= '2026-11-27'
              AND NOT EXISTS (SELECT 1 FROM demand.sales s WHERE s.item_id = i.item_id AND s.location_id = i.location_id AND s.ds = i.ds)
            """, as: Int.self)
        #expect(censored > 0)
        let report = try Self.runner(db).run(try Self.options(folds: 1, horizon: 21, models: [.naive]))
        #expect(report.cutoffs == ["2026-11-06"])
        #expect(
            try db.scalar(
                """
                SELECT count(*) FROM forecast.backtest_results r JOIN demand.inventory i USING (item_id, location_id, ds)
                WHERE i.stockout AND r.actual IS NULL AND r.model_name = 'Naive'
                """, as: Int.self) == censored)
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE actual IS NULL AND model_name = 'Naive'", as: Int.self) == censored)
    }
}
