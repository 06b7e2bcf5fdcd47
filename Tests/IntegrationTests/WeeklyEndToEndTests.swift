import Foundation
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

extension Integration {
    /// A weekly source end to end on real PostgreSQL: contracts, backtest with the global model and
    /// model variants, the out-of-sample selection, and a selected run.
    @Suite struct Weekly {
        static let end = PostgresDate(iso: "2026-11-22")!  // a Sunday

        static func loadWeekly(_ db: TestDatabase) throws {
            let c = try db.connect()
            defer { c.close() }
            var spec = DemoSpec(items: 12, locations: 2, days: 420, end: end, seed: 9)
            spec.frequency = .week
            _ = try DemoLoader(spec: spec).load(on: c)
        }

        @Test func weeklySourceBacktestSelectRun() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.loadWeekly(db)
            #expect(try db.scalar("SELECT count(*) FROM demand.sales WHERE extract(isodow FROM ds) <> 1", as: Int.self) == 0)
            let models = try ["auto_ets", "auto_ets:log1p", "xgboost", "xgboost:l1"].map { try ModelSpec(parsing: $0, seasonLength: 52, window: 4) }
            let options = BacktestOptions(
                end: Self.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 4, step: 2, horizon: 3),
                frequency: .week, models: models, workers: 2, chunkSize: 8, showProgress: false)
            let report = try Integration.Backtests.runner(db).run(options)
            #expect(report.models == ["SeasonalNaive(52)", "AutoETS", "AutoETS[log1p]", "XGBoost", "XGBoost[L1]", "Selected"])
            // The seasonal guard: no 52-week seasonal ETS form on 60 weeks of history.
            #expect(
                try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE served_model LIKE 'ETS(%,A)' OR served_model LIKE 'ETS(%,M)'", as: Int.self)
                    == 0)
            // Selected is scored from the second fold on, each fold with a choice made on earlier folds.
            #expect(try db.scalar("SELECT min(fold) FROM forecast.backtest_results WHERE model_name = 'Selected'", as: Int.self) == 1)
            let selected = try #require(report.groups[BacktestReport.Key(model: "Selected", kind: .all, value: "all")])
            let naive = report.accumulator(model: "SeasonalNaive(52)", folds: [1, 2, 3])
            #expect(selected.count == naive.count && selected.count > 0)
            #expect(selected.wape < naive.wape, "Selected \(selected.wape) vs seasonal naive \(naive.wape)")
            // Targets are Mondays; the global model read prices and promotions of the week.
            #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results WHERE extract(isodow FROM ds) <> 1", as: Int.self) == 0)

            var run = Fixtures.options(horizon: 3, frequency: .week, cutoff: Self.end)
            run.config.model = ModelSpec(kind: .selected, seasonLength: 52, window: 4)
            run.config.staleSLAHours = RunConfig.defaultStaleSLAHours(.week)
            let summary = try Fixtures.coordinator(db).run(run)
            #expect(summary.outcome == .published)
            #expect(summary.rows == summary.seriesCount * 3)
            #expect(try db.scalar("SELECT min(ds)::text || ' ' || max(ds)::text FROM forecast.latest", as: String.self) == "2026-11-23 2026-12-07")
            let global = try db.scalar("SELECT count(*) FROM forecast.model_artifacts", as: Int.self)
            #expect(global == Set(report.selection.values.filter { $0.text.hasPrefix("XGBoost") }).count)
            // check validates a weekly cutoff exactly as run does.
            let bad = try CLI.run(["check", "--frequency", "week", "--cutoff", "2026-11-25", "--as-of", "2026-11-28T06:00:00Z"], databaseURL: db.url)
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("weekly runs need a cutoff on a Sunday (the last day of an ISO week), got 2026-11-25"), "\(bad.stderr)")
            let good = try CLI.run(
                ["check", "--frequency", "week", "--cutoff", "2026-11-22", "--horizon", "4", "--as-of", "2026-11-28T06:00:00Z"], databaseURL: db.url)
            #expect(good.status == 0, "\(good.stdout) \(good.stderr)")
            #expect(!good.stdout.contains("warn: sales_volume_drop"), "\(good.stdout)")
            // An ad-hoc weekly run without --horizon forecasts a quarter (13 weeks), not 28.
            let quarter = try CLI.run(
                ["run", "--frequency", "week", "--cutoff", "2026-11-22", "--model", "naive", "--as-of", "2026-11-28T06:00:00Z", "--force", "--no-progress"],
                databaseURL: db.url)
            #expect(quarter.status == 0, "\(quarter.stderr)")
            #expect(
                try db.scalar(
                    "SELECT max(horizon) FROM forecast.forecasts WHERE run_id = (SELECT max(id) FROM forecast.runs WHERE frequency = 'week')", as: Int.self)
                    == 13)
        }

    }
}
