import Foundation
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

extension Integration {
    /// What a backtest scores is what a run serves (issue 30): for every kind of model, a fold's
    /// rows are bit for bit the rows a run at that fold's cutoff publishes, with the same name of
    /// what served each series, fallbacks included. Runs and both backtest engines forecast
    /// through `ServedModel.forecast`; this checks that they feed it the same history, origin,
    /// boosters and prices. A run trains its own boosters here (no registry), on the same series
    /// up to the same cutoff as the fold's.
    @Suite struct ServingParity {
        /// Every kind that serves a series by itself (`selected` chooses among these per class).
        static let models = [
            "seasonal_naive", "naive", "moving_average", "ses", "croston", "croston_sba", "tsb", "auto_ets", "auto_ets:log1p",
            "auto_theta", "ensemble", "xgboost", "xgboost:log", "xgboost:l1", "price_regression", "combination",
            "combination:xgboost:log+xgboost:l1+price_regression",
        ]

        @Test func aFoldScoresExactlyWhatARunAtItsCutoffServes() throws {
            #expect(Set(ModelSpec.Kind.allCases).subtracting([.selected]) == Set(try Self.models.map { try Self.spec($0).kind }))
            let db = try TestDatabase()
            defer { db.drop() }
            // The weekly catalogue with prices, the prices of one series removed (the price regression's
            // fallback serves it) and all but 3 weeks of another's history (the local models' fallback chains serve it).
            try Integration.PriceModels.load(db)
            let short = try db.scalar("SELECT item_id || '/' || location_id FROM demand.sales ORDER BY 1 DESC LIMIT 1", as: String.self)
            try db.execute(
                Query(
                    """
                    DELETE FROM demand.sales WHERE item_id || '/' || location_id = \(short)
                                               AND ds < \(Integration.PriceModels.end)::date - 7 * 5
                    """))
            let report = try Integration.Backtests.runner(db).run(
                BacktestOptions(
                    end: Integration.PriceModels.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 1, step: 1, horizon: 3),
                    frequency: .week, models: try Self.models.map(Self.spec), workers: 2, chunkSize: 8, showProgress: false))
            let cutoff = try #require(PostgresDate(iso: report.cutoffs[0]))
            var fallbacks: Set<String> = []
            for model in Self.models {
                let spec = try Self.spec(model)
                var run = Fixtures.options(horizon: 3, frequency: .week, cutoff: cutoff)
                run.config.model = spec
                run.config.staleSLAHours = 8760
                run.conformal = false
                run.force = true
                let summary = try Fixtures.coordinator(db).run(run)
                #expect(summary.outcome == .published, "\(model): \(summary.error ?? "")")
                let name = try spec.primaryName()
                // Every row of the fold and of the run, paired by series and date: the same served
                // model and the same three numbers, bit for bit.
                let compared = try db.scalar(
                    Query(
                        """
                        SELECT count(*) FILTER (WHERE b.served_model = f.model_name AND float8send(b.yhat) = float8send(f.yhat)
                                                  AND float8send(b.yhat_lower) = float8send(f.yhat_lower)
                                                  AND float8send(b.yhat_upper) = float8send(f.yhat_upper))
                               || '/' || count(*) FILTER (WHERE b.ds IS NOT NULL AND f.ds IS NOT NULL)
                               || '/' || count(*)
                        FROM (SELECT * FROM forecast.backtest_results WHERE backtest_id = \(report.id) AND model_name = \(name)) b
                        FULL JOIN (SELECT * FROM forecast.forecasts WHERE run_id = \(summary.runID)) f
                               ON (f.item_id, f.location_id, f.ds) = (b.item_id, b.location_id, b.ds)
                        """), as: String.self)
                let parts = compared.split(separator: "/").compactMap { Int($0) }
                #expect(parts.count == 3 && Set(parts).count == 1 && parts[0] == summary.seriesCount * 3, "\(model): equal/paired/all \(compared)")
                let others = try db.scalar(
                    Query(
                        """
                        SELECT coalesce(string_agg(DISTINCT model_name, '|'), '') FROM forecast.forecasts
                        WHERE run_id = \(summary.runID) AND model_name <> \(name)
                        """), as: String.self)
                for other in others.split(separator: "|") { fallbacks.insert("\(model) > \(other)") }
            }
            // The fallbacks were exercised: the short series by the naive forecast of the local models'
            // chains, the series without prices by the regression's naive forecast and the boosters' combination.
            for expected in [
                "seasonal_naive > Naive", "auto_ets > Naive", "auto_theta > Naive", "price_regression > Naive",
                "combination > XGBoost[log]",
            ] {
                #expect(fallbacks.contains(expected), "\(expected) not in \(fallbacks.sorted())")
            }
        }

        static func spec(_ text: String) throws -> ModelSpec {
            try ModelSpec(parsing: text, seasonLength: 52, window: 4)
        }
    }
}
