import Foundation
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

extension Integration {
    /// Extra item/location attributes for the global model: read from the SCD type-2 version valid
    /// at the cutoff (a run) or at each fold's cutoff (a backtest), kept with the run, named in the
    /// artifact's feature list; a version that starts after the cutoff changes nothing.
    @Suite struct Attributes {
        static let end = Integration.Weekly.end

        /// Every location gets `sqft` (a number) and `kind` (a string), and a remodelled version
        /// from `remodel` on with other values.
        static func load(_ db: TestDatabase, remodel: String = "2026-11-30") throws {
            try Integration.Weekly.loadWeekly(db)
            try db.execute(
                """
                UPDATE demand.locations SET attributes = jsonb_build_object('sqft', 1000 + 500 * (hashtext(location_id) & 3),
                                                                            'kind', CASE WHEN hashtext(location_id) & 1 = 0 THEN 'mall' ELSE 'street' END)
                """)
            try Self.remodel(db, from: remodel, sqft: 99_999, kind: "outlet")
        }

        /// Ends every location's current version on `from` and adds one with other attribute values.
        static func remodel(_ db: TestDatabase, from: String, sqft: Int, kind: String) throws {
            try db.execute(
                Query(
                    """
                    WITH current AS (
                        UPDATE demand.locations SET valid_to = \(from)::date WHERE valid_to IS NULL AND valid_from < \(from)::date RETURNING *)
                    INSERT INTO demand.locations (location_id, valid_from, valid_to, region, store_format, attributes)
                    SELECT location_id, \(from)::date, NULL, region, store_format, jsonb_build_object('sqft', \(sqft)::int, 'kind', \(kind)::text)
                    FROM current
                    """))
        }

        static func options(force: Bool = false) -> RunCoordinator.Options {
            var run = Fixtures.options(horizon: 3, force: force, frequency: .week, cutoff: end)
            run.config.model = ModelSpec(kind: .xgboost, seasonLength: 52, window: 4)
            run.config.staleSLAHours = RunConfig.defaultStaleSLAHours(.week)
            run.config.attributes = ["location.sqft", "location.kind"]
            return run
        }

        @Test func aRunUsesTheAttributesValidAtItsCutoffAndRecordsThem() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let first = try Fixtures.coordinator(db).run(Self.options())
            #expect(first.outcome == .published)
            // Lineage: the values used per series (never the remodel's), and the feature list of the artifact.
            #expect(
                try db.scalar("SELECT count(*) FROM forecast.run_series WHERE attributes ->> 'location.kind' IN ('mall', 'street')", as: Int.self)
                    == first.seriesCount)
            #expect(try db.scalar("SELECT count(*) FROM forecast.run_series WHERE (attributes ->> 'location.sqft')::int = 99999", as: Int.self) == 0)
            #expect(
                try db.scalar(
                    "SELECT array_to_string(features[array_length(features, 1) - 1:], ',') FROM forecast.model_artifacts",
                    as: String.self) == "location.sqft,location.kind")
            let codes = try db.scalar("SELECT encodings -> 'attributeCodes' ->> 'location.kind' FROM forecast.model_artifacts", as: String.self)
            #expect(codes.contains("mall") || codes.contains("street"), "\(codes)")
            #expect(!codes.contains("outlet"), "\(codes)")

            // A version starting after the cutoff changes nothing: other future values, same bytes.
            try db.execute("UPDATE demand.locations SET attributes = '{\"sqft\": 1, \"kind\": \"kiosk\"}' WHERE valid_from = '2026-11-30'")
            let second = try Fixtures.coordinator(db).run(Self.options(force: true))
            let a = try db.forecastRows(run: first.runID), b = try db.forecastRows(run: second.runID)
            #expect(!a.isEmpty && a == b)
        }

        @Test func aBacktestFoldReadsTheAttributesValidAtItsOwnCutoff() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            // A remodel between the folds' cutoffs: older folds must still see the old values.
            try Self.load(db, remodel: "2026-10-12")
            let xgboost = ModelSpec(kind: .xgboost, seasonLength: 52, window: 4)
            var options = BacktestOptions(
                end: Self.end, asOf: Fixtures.asOf, plan: try BacktestPlan(folds: 3, step: 2, horizon: 3),
                frequency: .week, models: [xgboost], workers: 2, chunkSize: 8, showProgress: false)
            options.attributes = ["location.sqft", "location.kind"]
            let report = try Integration.Backtests.runner(db).run(options)
            #expect(report.models.contains("XGBoost"))
            #expect(
                try db.scalar(
                    Query("SELECT count(*) FROM forecast.backtest_results WHERE backtest_id = \(report.id) AND model_name = 'XGBoost'"),
                    as: Int.self) > 0)
            let c = try db.connect()
            defer { c.close() }
            let remodelledSeries = try db.scalar(
                Query(
                    """
                    SELECT count(*) FROM forecast.backtest_series b JOIN demand.locations l USING (location_id)
                    WHERE b.backtest_id = \(report.id) AND l.valid_from = '2026-10-12'
                    """), as: Int.self)
            #expect(remodelledSeries > 0)
            let cutoffs = report.cutoffs.compactMap { PostgresDate(iso: $0) }
            #expect(cutoffs.count == 3 && cutoffs[0].description < "2026-10-12" && cutoffs[2].description >= "2026-10-12", "\(cutoffs)")
            for cutoff in cutoffs {
                let read = try SeriesAttributes.read(
                    backtestID: report.id, cutoff: cutoff, names: options.attributes,
                    schema: SQLIdentifier("demand"), on: c)
                let remodelled = read.values.filter { $0["location.kind"] == SeriesAttributes.Value.string("outlet") }.count
                #expect(read.count == report.seriesCount)
                #expect(remodelled == (cutoff.description < "2026-10-12" ? 0 : remodelledSeries), "\(cutoff)")
            }
            // The stored lineage is the newest cutoff's.
            #expect(
                try db.scalar(
                    Query("SELECT count(*) FROM forecast.backtest_series WHERE backtest_id = \(report.id) AND attributes ->> 'location.kind' = 'outlet'"),
                    as: Int.self) == remodelledSeries)
        }

        /// A name no series has (a typo) stops the run before anything is written, naming the key.
        @Test func anAttributeNoSeriesHasStopsTheRun() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try Self.load(db)
            let result = try CLI.run(
                [
                    "run", "--frequency", "week", "--cutoff", "2026-11-22", "--horizon", "3", "--model", "xgboost",
                    "--attributes", "location.sqft,location.sqfx", "--as-of", "2026-11-23T06:00:00Z",
                ], databaseURL: db.url)
            #expect(result.status == 64)
            #expect(result.stderr.contains("--attributes: no series has a value for location.sqfx"), "\(result.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == 0)
        }

    }
}
