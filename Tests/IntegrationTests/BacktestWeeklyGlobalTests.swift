import Foundation
import Testing
@testable import Forecasting
@testable import Pipeline
import Postgres
import GradientBoosting

/// Backtests of weekly series, of the global model, and of series with stockouts.
extension Integration.Backtests {
    @Test func weeklyBacktestsScoreWeeks() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 15, locations: 2, days: 420)
        let options = BacktestOptions(end: PostgresDate(iso: "2026-11-22")!, asOf: Fixtures.asOf,
                                      plan: try BacktestPlan(folds: 2, step: 1, horizon: 4), frequency: .week,
                                      models: [ModelSpec(kind: .ses, seasonLength: 52, window: 8)], workers: 2, chunkSize: 10,
                                      showProgress: false)
        let report = try Self.runner(db).run(options)
        #expect(report.cutoffs == ["2026-10-18", "2026-10-25"])
        #expect(report.models == ["SeasonalNaive(52)", "SES(0.1)", "Selected"])
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE extract(isodow FROM ds) <> 1", as: Int.self) == 0)
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE ds - cutoff <> (horizon - 1) * 7 + 1", as: Int.self) == 0)
        // Weekly actuals are the sums of the week's daily sales.
        let mismatches = try db.scalar("""
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
    }

    @Test func globalXGBoostModelIsBacktestedLikeTheOthers() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 20, locations: 3, days: 200)
        let report = try Self.runner(db).run(try Self.options(folds: 2, horizon: 7, models: [.xgboost]))
        #expect(report.models == ["SeasonalNaive(7)", "XGBoost", "Selected"])
        let xgb = try #require(report.groups[BacktestReport.Key(model: "XGBoost", kind: "all", value: "all")])
        let sn = try #require(report.groups[BacktestReport.Key(model: "SeasonalNaive(7)", kind: "all", value: "all")])
        #expect(xgb.count == sn.count && xgb.count > 0)
        #expect(xgb.wape < 1.2 * sn.wape, "XGBoost WAPE \(xgb.wape) vs seasonal naive \(sn.wape)")
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE model_name = 'XGBoost'", as: Int.self)
                == db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE model_name = 'SeasonalNaive(7)'", as: Int.self))
        #expect(try db.scalar("SELECT count(*) FROM forecast.interval_calibrations WHERE model_name = 'XGBoost'", as: Int.self) == 1)
        // A run trains the global model once, stores it with its lineage, and every worker predicts with it.
        var options = Fixtures.options(horizon: 7, workers: 2, chunkSize: 9)
        options.config.model = ModelSpec(kind: .xgboost, seasonLength: 7, window: 28)
        let first = try Fixtures.coordinator(db).run(options)
        #expect(first.outcome == .published)
        #expect(first.rows == first.seriesCount * 7)
        #expect(first.calibrationBacktestID == report.id) // the backtest calibrated XGBoost's intervals
        #expect(try db.scalar("SELECT string_agg(DISTINCT model_name, ',') FROM forecast.latest", as: String.self) == "XGBoost")
        #expect(try db.scalar(Query("""
            SELECT format || ' ' || training_cutoff || ' ' || (training_rows > 0) || ' ' || cardinality(features)
            FROM forecast.model_artifacts WHERE run_id = \(first.runID)
            """), as: String.self) == "xgboost-ubj 2026-11-27 true 40")
        // Its parameters are recorded, the histogram bins included (a small panel keeps 256).
        #expect(try db.scalar(Query("""
            SELECT parameters ->> 'max_bin' || ' ' || (parameters ->> 'objective') FROM forecast.model_artifacts WHERE run_id = \(first.runID)
            """), as: String.self) == "256 reg:tweedie")
        // Every promotion type of the data is a feature column of its own (lineage: FeatureSpec).
        #expect(try db.scalar(Query("""
            SELECT array_to_string(features[20:23], ',') FROM forecast.model_artifacts WHERE run_id = \(first.runID)
            """), as: String.self) == "promo_any_at_origin,promo_discount,promo_display,price_ratio")
        options.force = true
        options.workers = 1
        options.config.chunkSize = 25
        let second = try Fixtures.coordinator(db).run(options)
        #expect(try db.forecastRows(run: first.runID) == db.forecastRows(run: second.runID))
        #expect(try db.scalar("SELECT count(DISTINCT md5) FROM forecast.model_artifacts", as: Int.self) == 1)
    }

    @Test func stockoutPeriodsAreNotScoredAndNotLearnedAsZeros() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo()
        let censored = try db.scalar("""
            SELECT count(*) FROM demand.inventory i
            WHERE i.stockout AND i.ds > '2026-11-06' AND i.ds <= '2026-11-27'
              AND NOT EXISTS (SELECT 1 FROM demand.sales s WHERE s.item_id = i.item_id AND s.location_id = i.location_id AND s.ds = i.ds)
            """, as: Int.self)
        #expect(censored > 0)
        let report = try Self.runner(db).run(try Self.options(folds: 1, horizon: 21, models: [.naive]))
        #expect(report.cutoffs == ["2026-11-06"])
        #expect(try db.scalar("""
            SELECT count(*) FROM forecast.backtest_results r JOIN demand.inventory i USING (item_id, location_id, ds)
            WHERE i.stockout AND r.actual IS NULL AND r.model_name = 'Naive'
            """, as: Int.self) == censored)
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE actual IS NULL AND model_name = 'Naive'", as: Int.self) == censored)
    }
}
