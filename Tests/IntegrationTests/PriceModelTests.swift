import Foundation
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

extension Integration {
    /// The price regression and the combination (the log-scale mean of the log booster and the
    /// price regression) on a weekly source, end to end on real PostgreSQL: backtest, selection
    /// candidates, and runs that serve them; and a combination stored before issue 28 (the
    /// arithmetic mean of XGBoost and the price regression), served as it was.
    @Suite struct PriceModels {
        static let end = Weekly.end

        /// The weekly demo catalogue, with the prices of one series removed (the price regression
        /// cannot fit it: its fallbacks serve).
        static func load(_ db: TestDatabase) throws {
            try Weekly.loadWeekly(db)
            try db.execute(
                """
                DELETE FROM demand.prices WHERE (item_id, location_id) = (SELECT item_id, location_id FROM demand.sales ORDER BY 1, 2 LIMIT 1)
                """)
        }

        static func run(_ db: TestDatabase, model: String) throws -> RunCoordinator.Summary {
            var run = Fixtures.options(horizon: 3, frequency: .week, cutoff: end)
            run.config.model = try ModelSpec(parsing: model, seasonLength: 52, window: 4)
            run.config.staleSLAHours = RunConfig.defaultStaleSLAHours(.week)
            run.force = true
            return try Fixtures.coordinator(db).run(run)
        }

        /// A run's distinct `model_name`s, each with whether it served the series `bare` (`Name:true`).
        static func servedNames(_ db: TestDatabase, runID: Int64, bare: String) throws -> String {
            try db.scalar(
                """
                SELECT string_agg(v, ',' ORDER BY v) FROM (
                    SELECT DISTINCT model_name || ':' || (item_id || '/' || location_id = \(bare))::text AS v
                    FROM forecast.forecasts WHERE run_id = \(runID)) t
                """, as: String.self)
        }

        @Test func backtestScoresThemAndRunsServeThem() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let bare = try db.scalar("SELECT item_id || '/' || location_id FROM demand.sales ORDER BY 1 LIMIT 1", as: String.self)
            let models = try ["xgboost", "xgboost:log", "price_regression", "combination"]
                .map { try ModelSpec(parsing: $0, seasonLength: 52, window: 4) }
            let options = BacktestOptions(
                end: Self.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 4, step: 2, horizon: 3),
                frequency: .week, models: models, workers: 2, chunkSize: 8, showProgress: false)
            let report = try Integration.Backtests.runner(db).run(options)
            #expect(report.models == ["SeasonalNaive(52)", "XGBoost", "XGBoost[log]", "PriceRegression", "Combination", "Selected"])
            // Who served: the series without prices gets Naive for the regression, the log booster alone for the combination.
            let served = try db.scalar(
                """
                SELECT string_agg(v, ',' ORDER BY v) FROM (
                    SELECT DISTINCT model_name || ':' || served_model || ':' || (item_id || '/' || location_id = \(bare))::text AS v
                    FROM forecast.backtest_results WHERE model_name IN ('PriceRegression', 'Combination')) t
                """, as: String.self)
            #expect(served == "Combination:Combination:false,Combination:XGBoost[log]:true,PriceRegression:Naive:true,PriceRegression:PriceRegression:false")
            // That Naive forecast is the fold's last week (the fold's history is read for it alone:
            // the global models' contexts keep none), wherever that week was not a stockout.
            let naive = try db.scalar(
                """
                SELECT count(*) FILTER (WHERE abs(r.yhat - greatest(coalesce(s.qty, 0), 0)) > 1e-9) || '/' || count(*)
                FROM forecast.backtest_results r
                LEFT JOIN demand.sales s ON (s.item_id, s.location_id, s.ds) = (r.item_id, r.location_id, r.cutoff - 6)
                WHERE r.model_name = 'PriceRegression' AND r.served_model = 'Naive'
                  AND NOT EXISTS (SELECT 1 FROM demand.inventory i
                                  WHERE (i.item_id, i.location_id, i.ds) = (r.item_id, r.location_id, r.cutoff - 6) AND i.stockout)
                """, as: String.self)
            #expect(naive == "0/12", "mismatched/all: \(naive)")
            // The combination is exactly the log-scale mean of its members, period by period (the
            // log booster alone where the regression cannot fit: the series without prices).
            let gap = try db.scalar(
                """
                SELECT max(abs(c.yhat - CASE WHEN p.served_model = 'PriceRegression'
                                             THEN exp((ln(1 + x.yhat) + ln(1 + p.yhat)) / 2) - 1 ELSE x.yhat END)
                           / (1 + c.yhat)) || '/' || count(*)
                FROM forecast.backtest_results c
                JOIN forecast.backtest_results x USING (backtest_id, fold, item_id, location_id, ds)
                JOIN forecast.backtest_results p USING (backtest_id, fold, item_id, location_id, ds)
                WHERE c.model_name = 'Combination' AND x.model_name = 'XGBoost[log]' AND p.model_name = 'PriceRegression'
                """, as: String.self
            ).split(separator: "/")
            #expect(Double(gap[0])! < 1e-12 && Int(gap[1])! == report.accumulator(model: "Combination", folds: [0, 1, 2, 3]).count, "\(gap)")
            // On this catalogue (prices and promotions drive demand) both beat seasonal naive.
            let sn = report.accumulator(model: "SeasonalNaive(52)", folds: [0, 1, 2, 3])
            for model: ModelName in ["PriceRegression", "Combination"] {
                let acc = report.accumulator(model: model, folds: [0, 1, 2, 3])
                #expect(acc.count == sn.count && acc.wape < sn.wape, "\(model) WAPE \(acc.wape) vs seasonal naive \(sn.wape)")
            }

            // Runs serve them: the combination trains the run's log booster; the regression needs no artifact.
            let combined = try Self.run(db, model: "combination")
            #expect(combined.outcome == .published && combined.rows == combined.seriesCount * 3)
            #expect(
                try db.scalar(
                    "SELECT string_agg(model_name, ',' ORDER BY model_name) FROM forecast.model_artifacts WHERE run_id = \(combined.runID)",
                    as: String.self) == "XGBoost[log]")
            #expect(try Self.servedNames(db, runID: combined.runID, bare: bare) == "Combination:false,XGBoost[log]:true")
            let regression = try Self.run(db, model: "price_regression")
            #expect(regression.outcome == .published && regression.rows == regression.seriesCount * 3)
            #expect(try db.scalar("SELECT count(*) FROM forecast.model_artifacts WHERE run_id = \(regression.runID)", as: Int.self) == 0)
            #expect(try Self.servedNames(db, runID: regression.runID, bare: bare) == "Naive:true,PriceRegression:false")
            // The run forecasts from the newest cutoff what the backtest's regression would: same
            // model, same inputs as known then, so a rerun gives the same bits.
            let again = try Self.run(db, model: "price_regression")
            #expect(
                try db.scalar(
                    """
                    SELECT count(*) FROM forecast.forecasts a JOIN forecast.forecasts b USING (item_id, location_id, ds)
                    WHERE a.run_id = \(regression.runID) AND b.run_id = \(again.runID)
                      AND float8send(a.yhat) = float8send(b.yhat) AND float8send(a.yhat_upper) = float8send(b.yhat_upper)
                    """, as: Int.self) == regression.rows)
        }

        /// A combination of three members is scored as the log-scale mean of its members' own rows
        /// (the two boosters where the regression cannot fit, named so), competes with the two-member
        /// one in the per-class choice, and a run serving it trains both boosters and serves the
        /// same combination.
        @Test func aThreeMemberCombinationIsScoredAndServed() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let bare = try db.scalar("SELECT item_id || '/' || location_id FROM demand.sales ORDER BY 1 LIMIT 1", as: String.self)
            let three = "combination:xgboost:log+xgboost:log_depth+price_regression"
            let name: ModelName = "Combination[XGBoost[log]+XGBoost[log,depth]+PriceRegression]"
            let boosters: ModelName = "Combination[XGBoost[log]+XGBoost[log,depth]]"
            let models = try ["xgboost:log", "xgboost:log_depth", "price_regression", "combination", three, "combination:xgboost:log+xgboost:log_depth"]
                .map { try ModelSpec(parsing: $0, seasonLength: 52, window: 4) }
            let options = BacktestOptions(
                end: Self.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 4, step: 2, horizon: 3),
                frequency: .week, models: models, workers: 2, chunkSize: 8, showProgress: false)
            let report = try Integration.Backtests.runner(db).run(options)
            #expect(report.models == ["SeasonalNaive(52)", "XGBoost[log]", "XGBoost[log,depth]", "PriceRegression", "Combination", name, boosters, "Selected"])
            let gap = try db.scalar(
                """
                SELECT max(abs(c.yhat - CASE WHEN p.served_model = 'PriceRegression'
                                             THEN exp((ln(1 + x.yhat) + ln(1 + d.yhat) + ln(1 + p.yhat)) / 3) - 1
                                             ELSE exp((ln(1 + x.yhat) + ln(1 + d.yhat)) / 2) - 1 END)
                           / (1 + c.yhat)) || '/' || count(*) || '/' || string_agg(DISTINCT c.served_model, ',')
                FROM forecast.backtest_results c
                JOIN forecast.backtest_results x USING (backtest_id, fold, item_id, location_id, ds)
                JOIN forecast.backtest_results d USING (backtest_id, fold, item_id, location_id, ds)
                JOIN forecast.backtest_results p USING (backtest_id, fold, item_id, location_id, ds)
                WHERE c.model_name = \(name) AND x.model_name = 'XGBoost[log]' AND d.model_name = 'XGBoost[log,depth]'
                  AND p.model_name = 'PriceRegression'
                """, as: String.self
            ).split(separator: "/")
            #expect(Double(gap[0])! < 1e-12 && Int(gap[1])! == report.accumulator(model: name, folds: [0, 1, 2, 3]).count, "\(gap)")
            #expect(gap[2] == "\(name),\(boosters)")  // text order: '+' before ']'
            // A combination without the regression never takes it in, though the backtest fitted it.
            #expect(
                try db.scalar(
                    """
                    SELECT max(abs(c.yhat - (exp((ln(1 + x.yhat) + ln(1 + d.yhat)) / 2) - 1)) / (1 + c.yhat)) < 1e-12
                           AND bool_and(c.served_model = \(boosters))
                    FROM forecast.backtest_results c
                    JOIN forecast.backtest_results x USING (backtest_id, fold, item_id, location_id, ds)
                    JOIN forecast.backtest_results d USING (backtest_id, fold, item_id, location_id, ds)
                    WHERE c.model_name = \(boosters) AND x.model_name = 'XGBoost[log]' AND d.model_name = 'XGBoost[log,depth]'
                    """, as: Bool.self))
            // The per-class choice is among the candidates, both combinations included.
            #expect(!report.selection.isEmpty && report.selection.values.allSatisfy { report.models.contains($0) }, "\(report.selection)")

            let served = try Self.run(db, model: three)
            #expect(served.outcome == .published && served.rows == served.seriesCount * 3)
            let artifacts = try db.scalar(
                """
                SELECT string_agg(model_name, ',' ORDER BY model_name COLLATE "C") FROM forecast.model_artifacts WHERE run_id = \(served.runID)
                """, as: String.self)
            #expect(artifacts == "XGBoost[log,depth],XGBoost[log]", "\(artifacts)")
            let names = try Self.servedNames(db, runID: served.runID, bare: bare)
            #expect(names == "\(name):false,\(boosters):true", "\(names)")
        }

        /// The price regression's cross-price term reads the same competing items in a backtest
        /// (every group at once) as in a run (the groups of each work item): a run from a fold's
        /// cutoff serves what that fold scored, bit for bit, in one work item or many.
        @Test func aRunServesTheRegressionTheBacktestScored() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let models = [try ModelSpec(parsing: "price_regression", seasonLength: 52, window: 4)]
            let report = try Integration.Backtests.runner(db).run(
                BacktestOptions(
                    end: Self.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 1, step: 2, horizon: 3), frequency: .week,
                    models: models, workers: 2, chunkSize: 8, showProgress: false))
            let cutoff = try #require(PostgresDate(iso: report.cutoffs[0]))
            // The catalogue has groups: items of a category at a location, with prices.
            let groups = try CompetitorPrices.read(
                .backtest, id: report.id, chunk: nil, through: Self.end, schema: SQLIdentifier("demand"),
                on: try db.connect())
            #expect(groups.count > 1 && groups.allSatisfy { $0.members.count > 1 }, "\(groups.count)")
            for chunkSize in [100, 3] {
                var run = Fixtures.options(horizon: 3, frequency: .week, cutoff: cutoff)
                run.config.model = models[0]
                run.config.staleSLAHours = 8760
                run.config.chunkSize = chunkSize
                run.force = true
                let summary = try Fixtures.coordinator(db).run(run)
                #expect(summary.outcome == .published)
                let compared = try db.scalar(
                    """
                    SELECT count(*) FILTER (WHERE float8send(b.yhat) = float8send(f.yhat)) || '/' || count(*)
                    FROM forecast.backtest_results b
                    JOIN forecast.forecasts f ON (f.item_id, f.location_id, f.ds) = (b.item_id, b.location_id, b.ds) AND f.run_id = \(summary.runID)
                    WHERE b.backtest_id = \(report.id) AND b.model_name = 'PriceRegression' AND b.served_model = 'PriceRegression'
                    """, as: String.self)
                // (The point forecasts: the run widens its intervals with the backtest's calibration.)
                let parts = compared.split(separator: "/").compactMap { Int($0) }
                #expect(parts.count == 2 && parts[0] == parts[1] && parts[1] > 0, "chunk size \(chunkSize): equal/all \(compared)")
            }
        }

        /// A registered version whose policy is the combination: its XGBoost is stored with the
        /// version, and a run serving the registry serves the combination under that version.
        @Test func aCombinationVersionIsRegisteredAndServed() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let version = try Registry.train(db, "combination", label: "prices and boosting")
            #expect(version.policy.model.kind == .combination)
            #expect(
                try db.scalar(
                    "SELECT string_agg(model_name, ',' ORDER BY model_name) FROM forecast.model_artifacts WHERE model_version_id = \(version.id)",
                    as: String.self) == "XGBoost[log]")
            _ = try ModelStages.promote(version.version, to: .production, force: true, reason: "test", on: try db.connect())
            let served = try Registry.serve(db, horizon: 7)
            #expect(served.outcome == .published && served.rows == served.seriesCount * 7)
            #expect(
                try db.scalar(
                    """
                    SELECT count(*) FROM forecast.forecasts
                    WHERE run_id = \(served.runID) AND model_name = 'Combination' AND model_version = \(version.version)
                    """, as: Int.self) == served.rows)
            // Exactly the ensemble the version names, whoever computes it (issue 28, tests): the
            // same rows, bit for bit, from one worker with one work item and from two with many.
            func serve(workers: Int, chunkSize: Int) throws -> [String] {
                var options = Fixtures.options(horizon: 7, workers: workers, force: true, chunkSize: chunkSize)
                options.serveRegistry = true
                options.explicitHorizon = 7
                let summary = try Fixtures.coordinator(db).run(options)
                #expect(summary.modelVersion == version.version)
                return try db.forecastRows(run: summary.runID)
            }
            let one = try serve(workers: 1, chunkSize: 100), many = try serve(workers: 2, chunkSize: 3)
            #expect(one.count == served.rows && one == many)
            #expect(one == (try db.forecastRows(run: served.runID)))
        }

        /// The categorical booster as a registered version: its artifact carries the item codes and
        /// typed rows, a run serving it reads them back, and the rows are the same, bit for bit,
        /// whoever computes them.
        @Test func aCategoricalBoosterVersionIsRegisteredAndServed() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let version = try Registry.train(db, "xgboost:log_cat", label: "categorical booster")
            let stored = try db.scalar(
                """
                SELECT model_name || ' ' || (encodings ->> 'featureSet') || ' ' || jsonb_array_length(encodings -> 'items') || ' '
                       || features[array_length(features, 1) - 1] || ',' || features[array_length(features, 1)]
                FROM forecast.model_artifacts WHERE model_version_id = \(version.id)
                """, as: String.self)
            #expect(stored == "XGBoost[log,cat] categorical 8 item,location", "\(stored)")
            _ = try ModelStages.promote(version.version, to: .production, force: true, reason: "test", on: try db.connect())
            func serve(workers: Int, chunkSize: Int) throws -> [String] {
                var options = Fixtures.options(horizon: 7, workers: workers, force: true, chunkSize: chunkSize)
                options.serveRegistry = true
                options.explicitHorizon = 7
                let summary = try Fixtures.coordinator(db).run(options)
                #expect(summary.outcome == .published && summary.modelVersion == version.version)
                #expect(
                    try db.scalar(
                        "SELECT count(DISTINCT model_name) || ':' || min(model_name) FROM forecast.forecasts WHERE run_id = \(summary.runID)",
                        as: String.self) == "1:XGBoost[log,cat]")
                return try db.forecastRows(run: summary.runID)
            }
            let one = try serve(workers: 1, chunkSize: 100), many = try serve(workers: 2, chunkSize: 3)
            #expect(!one.isEmpty && one == many)
        }

        /// A combination stored before issue 28 (its policy has no members) is served as it was: the
        /// arithmetic mean of the Tweedie booster and the price regression, the booster alone where
        /// the regression cannot fit; a new `combination` is the log-scale one.
        @Test func aCombinationStoredBeforeItsMembersExistedServesAsItDid() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let bare = try db.scalar("SELECT item_id || '/' || location_id FROM demand.sales ORDER BY 1 LIMIT 1", as: String.self)
            var legacy = try ModelSpec(parsing: "combination", seasonLength: 52, window: 4)
            #expect(legacy.members?.map(\.argument) == ["xgboost:log", "price_regression"])
            // As a stored policy decodes it: no members.
            legacy = try JSONDecoder().decode(ModelSpec.self, from: Data(#"{"kind":"combination","seasonLength":52,"window":4}"#.utf8))
            #expect(legacy.members == nil && legacy.globalMembers.map(\.argument) == ["xgboost"])
            var run = Fixtures.options(horizon: 3, frequency: .week, cutoff: Self.end)
            run.config.model = legacy
            run.config.staleSLAHours = RunConfig.defaultStaleSLAHours(.week)
            let old = try Fixtures.coordinator(db).run(run)
            let boosted = try Self.run(db, model: "xgboost")
            let regression = try Self.run(db, model: "price_regression")
            #expect(try Self.servedNames(db, runID: old.runID, bare: bare) == "Combination:false,XGBoost:true")
            #expect(
                try db.scalar(
                    """
                    SELECT count(*) FILTER (WHERE abs(c.yhat - CASE WHEN c.model_name = 'Combination' THEN (x.yhat + p.yhat) / 2 ELSE x.yhat END) > 1e-9)
                           || '/' || count(*)
                    FROM forecast.forecasts c
                    JOIN forecast.forecasts x ON (x.item_id, x.location_id, x.ds, x.run_id) = (c.item_id, c.location_id, c.ds, \(boosted.runID))
                    JOIN forecast.forecasts p ON (p.item_id, p.location_id, p.ds, p.run_id) = (c.item_id, c.location_id, c.ds, \(regression.runID))
                    WHERE c.run_id = \(old.runID)
                    """, as: String.self) == "0/\(old.rows)")
        }

        /// A backtest with per-series and global models stores the same rows, the same Selected
        /// choice and the same calibrations with one worker as with two (workers read different
        /// chunks and the global folds write from their own threads); the accuracy groups, merged
        /// from chunks in whichever order they finish, agree to rounding.
        @Test func aBacktestIsTheSameWithOneWorkerOrTwo() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let models = try ["naive", "auto_ets", "xgboost", "combination"].map { try ModelSpec(parsing: $0, seasonLength: 52, window: 4) }
            func backtest(workers: Int, chunkSize: Int) throws -> BacktestReport {
                try Integration.Backtests.runner(db).run(
                    BacktestOptions(
                        end: Self.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 4, step: 2, horizon: 3), frequency: .week,
                        models: models, workers: workers, chunkSize: chunkSize, showProgress: false))
            }
            let one = try backtest(workers: 1, chunkSize: 100)
            let two = try backtest(workers: 2, chunkSize: 7)
            let columns = "model_name, served_model, fold, cutoff, item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper, actual, demand_class"
            for (a, b) in [(one.id, two.id), (two.id, one.id)] {
                #expect(
                    try db.scalar(
                        """
                        SELECT count(*) FROM (SELECT \(columns) FROM forecast.backtest_results WHERE backtest_id = \(a)
                                              EXCEPT ALL
                                              SELECT \(columns) FROM forecast.backtest_results WHERE backtest_id = \(b)) d
                        """, as: Int.self) == 0)
            }
            #expect(one.rows == two.rows && one.rows > 0)
            #expect(one.models == two.models && one.models.contains("Selected"))
            #expect(one.selection == two.selection)
            #expect(one.calibrations == two.calibrations && one.calibrations.count == one.models.count - 1)
            #expect(one.calibratedCoverage.mapValues { $0.isNaN ? -1 : $0 } == two.calibratedCoverage.mapValues { $0.isNaN ? -1 : $0 })
            #expect(Set(one.groups.keys) == Set(two.groups.keys))
            for (key, a) in one.groups {
                let b = two.groups[key] ?? ErrorAccumulator()
                #expect(a.count == b.count && abs(a.absError - b.absError) <= 1e-9 * max(1, a.absError), "\(key)")
            }
        }
    }
}
