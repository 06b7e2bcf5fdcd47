import Foundation
import Logging
import Postgres
import Testing

@testable import Pipeline

extension Integration {
    @Suite struct Runs {
        /// Series the snapshot should contain, computed independently of the planner.
        static func expectedSeries(_ db: TestDatabase) throws -> Int {
            try db.scalar(
                """
                SELECT count(*) FROM (SELECT DISTINCT item_id, location_id FROM demand.sales
                                      WHERE ds <= '2026-11-27' AND loaded_at <= '2026-11-28 06:00+00') s
                WHERE EXISTS (SELECT 1 FROM demand.items i WHERE i.item_id = s.item_id
                              AND i.valid_from <= '2026-11-27' AND (i.valid_to IS NULL OR i.valid_to > '2026-11-27'))
                """, as: Int.self)
        }

        @Test func fullRunPublishesSeriesTimesHorizonRows() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let series = try Self.expectedSeries(db)
            #expect(series > 70 && series <= 90)
            let summary = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 14))
            #expect(summary.outcome == .published)
            #expect(summary.seriesCount == series)
            #expect(summary.rows == series * 14)
            #expect(summary.fallbackSeries == 0)
            #expect(try db.scalar(Query("SELECT fallback_series FROM forecast.runs WHERE id = \(summary.runID)"), as: Int.self) == 0)
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == series * 14)
            #expect(try db.scalar("SELECT count(DISTINCT (item_id, location_id)) FROM forecast.latest", as: Int.self) == series)
            #expect(try db.scalar("SELECT min(ds)::text || '..' || max(ds)::text FROM forecast.latest", as: String.self) == "2026-11-28..2026-12-11")
            #expect(
                try db.scalar("SELECT count(*) FROM forecast.latest WHERE NOT (yhat_lower <= yhat AND yhat <= yhat_upper AND yhat >= 0)", as: Int.self) == 0)
            #expect(try db.scalar("SELECT count(*) FROM forecast.work_items WHERE state <> 'completed'", as: Int.self) == 0)
            // The manifest records what was read.
            let manifestRows = try db.scalar("SELECT (manifest -> 'sales' ->> 'rows')::bigint FROM forecast.runs", as: Int.self)
            let read = try db.scalar(
                """
                SELECT count(*) FROM demand.sales s JOIN forecast.run_series r USING (item_id, location_id)
                WHERE s.ds <= '2026-11-27'
                """, as: Int.self)
            #expect(manifestRows == read)
            let models = try db.scalar("SELECT string_agg(DISTINCT model_name, ',' ORDER BY model_name) FROM forecast.latest", as: String.self)
            #expect(models.contains("SeasonalNaive(7)"))
        }

        @Test func sameSnapshotGivesByteIdenticalRows() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let first = try Fixtures.coordinator(db).run(Fixtures.options(workers: 1, chunkSize: 7))
            let second = try Fixtures.coordinator(db).run(Fixtures.options(workers: 3, force: true, chunkSize: 13))
            #expect(first.runID != second.runID)
            let a = try db.forecastRows(run: first.runID), b = try db.forecastRows(run: second.runID)
            #expect(a.count == first.rows && !a.isEmpty)
            #expect(a == b)
            // The forced run supersedes the first; latest shows only the new one.
            #expect(try db.scalar(Query("SELECT status FROM forecast.runs WHERE id = \(first.runID)"), as: String.self) == "superseded")
            #expect(try db.scalar("SELECT string_agg(DISTINCT run_id::text, ',') FROM forecast.latest", as: String.self) == String(second.runID))
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs WHERE status = 'published'", as: Int.self) == 1)
        }

        @Test func secondRunForAPublishedCutoffDoesNothing() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let first = try Fixtures.coordinator(db).run(Fixtures.options())
            let again = try Fixtures.coordinator(db).run(Fixtures.options())
            #expect(again.outcome == .alreadyPublished)
            #expect(again.runID == first.runID)
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 1)
        }

        /// A backfill (an older cutoff published later) moves neither latest nor freshness: both
        /// report the run of the newest cutoff.
        @Test func aBackfillMovesNeitherLatestNorFreshness() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let newest = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7))
            let backfill = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!))
            #expect(newest.outcome == .published && backfill.outcome == .published)
            #expect(try db.scalar("SELECT string_agg(DISTINCT run_id::text, ',') FROM forecast.latest", as: String.self) == String(newest.runID))
            #expect(try db.scalar("SELECT run_id FROM forecast.freshness WHERE frequency = 'day'", as: Int64.self) == newest.runID)
            #expect(try db.scalar("SELECT cutoff::text FROM forecast.freshness WHERE frequency = 'day'", as: String.self) == "2026-11-27")
            #expect(try db.scalar("SELECT run_id FROM forecast.served_runs", as: Int64.self) == newest.runID)
        }

        @Test func failedRunLeavesPreviousForecastsInLatest() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let good = try Fixtures.coordinator(db).run(Fixtures.options())
            let before = try db.forecastRows(run: good.runID)
            try db.execute(
                "DROP INDEX demand.sales_series_ds_key; INSERT INTO demand.sales SELECT * FROM (SELECT * FROM demand.sales ORDER BY item_id, location_id, ds LIMIT 1) s"
            )
            #expect(throws: PipelineError.self) { try Fixtures.coordinator(db).run(Fixtures.options(force: true)) }
            #expect(try db.scalar("SELECT string_agg(DISTINCT run_id::text, ',') FROM forecast.latest", as: String.self) == String(good.runID))
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == before.count)
            #expect(try db.forecastRows(run: good.runID) == before)
            #expect(try db.scalar(Query("SELECT status FROM forecast.runs WHERE id = \(good.runID)"), as: String.self) == "published")
            // Output checks failing also fail the run without touching latest.
        }

        @Test func nothingLoadedOrKnownAfterAsOfReachesTheModels() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let first = try Fixtures.coordinator(db).run(Fixtures.options())
            // Late corrections and plans that arrive after the as-of time: huge values that would change every forecast.
            // (Loads are append-only: a late row is a new row, never an in-place update.)
            try db.execute(
                """
                INSERT INTO demand.sales (item_id, location_id, ds, qty, loaded_at)
                SELECT r.item_id, r.location_id, d::date, 1000, timestamptz '2026-11-28 07:00+00'
                FROM forecast.run_series r, generate_series(date '2026-11-14', date '2026-11-27', interval '1 day') d
                WHERE NOT EXISTS (SELECT 1 FROM demand.sales s WHERE s.item_id = r.item_id AND s.location_id = r.location_id AND s.ds = d::date)
                """)
            try db.execute(
                """
                INSERT INTO demand.promotions SELECT item_id, location_id, date '2026-12-01', 'discount', 0.5, timestamptz '2026-11-28 08:00+00'
                FROM (SELECT DISTINCT item_id, location_id FROM demand.sales) s
                """)
            let second = try Fixtures.coordinator(db).run(Fixtures.options(force: true, lease: 30))
            #expect(try db.forecastRows(run: first.runID) == db.forecastRows(run: second.runID))
            let m1 = try db.scalar(Query("SELECT manifest::text FROM forecast.runs WHERE id = \(first.runID)"), as: String.self)
            let m2 = try db.scalar(Query("SELECT manifest::text FROM forecast.runs WHERE id = \(second.runID)"), as: String.self)
            #expect(m1 == m2)
            // Control: with a later as-of the same data does change the forecasts.
            let later = try Fixtures.coordinator(db).run(Fixtures.options(force: true, asOf: PostgresTimestamp(text: "2026-11-28T09:00:00Z")!))
            #expect(try db.forecastRows(run: later.runID) != db.forecastRows(run: first.runID))
            let promos = try db.scalar(
                Query("SELECT (manifest ->> 'promotions_known_by_as_of')::int FROM forecast.runs WHERE id = \(later.runID)"), as: Int.self)
            let promosBefore = try db.scalar(
                Query("SELECT (manifest ->> 'promotions_known_by_as_of')::int FROM forecast.runs WHERE id = \(first.runID)"), as: Int.self)
            #expect(promos > promosBefore)
        }

        /// A run forecasts from one origin, so its workers read only the promotions that its global
        /// model's features can see: from the cutoff's period to the last target day. The rows are
        /// byte for byte those of a read of every promotion.
        @Test func aRunReadsOnlyThePromotionsItsFeaturesSee() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            var options = Fixtures.options(horizon: 7)
            options.config.model = ModelSpec(kind: .xgboost, seasonLength: 7, window: 28)
            let summary = try Fixtures.coordinator(db).run(options)
            #expect(summary.outcome == .published)
            let c = try db.connect()
            defer { c.close() }
            let worker = try Worker(
                name: "test", run: try RunStore.load(summary.runID, on: c), logger: Logger(label: "test"),
                connect: db.connector)
            defer { worker.connection.close() }
            #expect(worker.reader.promotionDays == Fixtures.end...PostgresDate(iso: "2026-12-04")!)
            var everything = worker.reader
            everything.promotionDays = nil
            let segments = try GlobalTraining.segments(.run, id: summary.runID, chunk: 0, on: c)
            let windowed = try worker.reader.read(chunk: 0, on: c), full = try everything.read(chunk: 0, on: c)
            let promotions = { (s: [SeriesInput]) in s.reduce(0) { $0 + ($1.planned?.promotions.count ?? 0) } }
            #expect(promotions(windowed) > 0 && promotions(windowed) * 10 < promotions(full), "\(promotions(windowed)) of \(promotions(full))")
            var a = BinaryCopyWriter(), b = BinaryCopyWriter()
            for (x, y) in zip(windowed, full) {
                #expect(x.seriesNo == y.seriesNo)
                try worker.forecaster.encode(x, segment: segments[x.seriesNo], into: &a)
                try worker.forecaster.encode(y, segment: segments[y.seriesNo], into: &b)
            }
            #expect(windowed.count == full.count && a.rowCount == windowed.count * 7)
            let identical = a.bytes == b.bytes  // (not printed: hundreds of kilobytes)
            #expect(identical, "the windowed read changed the encoded rows")
        }

        @Test func weeklyRunForecastsMondays() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(days: 400)
            let cutoff = PostgresDate(iso: "2026-11-22")!  // a Sunday
            let summary = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 8, frequency: .week, cutoff: cutoff))
            #expect(summary.rows == summary.seriesCount * 8)
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest WHERE extract(isodow FROM ds) <> 1", as: Int.self) == 0)
            #expect(try db.scalar("SELECT min(ds)::text FROM forecast.latest", as: String.self) == "2026-11-23")
            #expect(try db.scalar("SELECT string_agg(DISTINCT model_name, ',') FROM forecast.latest", as: String.self).contains("SeasonalNaive(52)"))
            let error = #expect(throws: PipelineError.self) {
                try Fixtures.coordinator(db).run(Fixtures.options(frequency: .week, cutoff: PostgresDate(iso: "2026-11-25")!))
            }
            #expect(error?.description == "weekly runs need a cutoff on a Sunday (the last day of an ISO week), got 2026-11-25")
        }

        @Test(arguments: [ModelSpec.Kind.croston, .crostonSBA, .tsb, .ses, .movingAverage, .naive, .autoETS, .autoTheta, .ensemble])
        func everyModelKindRunsEndToEnd(_ kind: ModelSpec.Kind) throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 10, locations: 2, days: 60)
            var options = Fixtures.options(horizon: 7)
            options.config.model = ModelSpec(kind: kind, seasonLength: 7, window: 14)
            let summary = try Fixtures.coordinator(db).run(options)
            #expect(summary.outcome == .published)
            #expect(summary.rows == summary.seriesCount * 7)
            let expected = try options.config.model.build().name
            let models = try db.scalar("SELECT string_agg(DISTINCT model_name, '|') FROM forecast.latest", as: String.self)
            for served in models.components(separatedBy: "|") {
                let plausible =
                    kind == .autoETS
                    ? (served.hasPrefix("ETS(") || served == "Naive")
                    : kind == .autoTheta
                        ? (served.hasPrefix("Theta(") || served == "Naive")
                        : (expected.contains(served) || served == "Naive")
                #expect(plausible, "\(served) served, model was \(expected)")
            }
        }

        @Test func aSeriesThatLostItsSalesAfterPlanningIsNamed() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 5, locations: 2, days: 60)
            let summary = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7))
            let (item, location) = (
                try db.scalar(Query("SELECT item_id FROM forecast.run_series WHERE run_id = \(summary.runID) AND series_no = 3"), as: String.self),
                try db.scalar(Query("SELECT location_id FROM forecast.run_series WHERE run_id = \(summary.runID) AND series_no = 3"), as: String.self)
            )
            try db.execute(Query("DELETE FROM demand.sales WHERE item_id = \(item) AND location_id = \(location)"))
            let c = try db.connect()
            defer { c.close() }
            let reader = SeriesReader(
                runID: summary.runID, cutoff: Fixtures.end, asOf: Fixtures.asOf, frequency: .day,
                schema: SQLIdentifier("demand"))
            let error = #expect(throws: SeriesReader.InputChanged.self) { _ = try reader.read(chunk: 0, on: c) }
            #expect(error?.description == "series \(item)/\(location) has no sales rows in the snapshot any more: the input changed during the run")
        }

        @Test func outputChecksCatchBadRows() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            // Rows of a run id that has no run row: its partition is made by hand (runs make theirs).
            try db.execute(
                """
                SELECT forecast.attach_partition('forecasts', 99);
                INSERT INTO forecast.forecasts VALUES
                ('A', 'L', '2026-11-28', 1, 'NaN', 0, 1, 0.8, 'm', 'v', 99, '2026-11-27', now()),
                ('A', 'L', '2026-11-29', 2, -1, -2, 1, 0.8, 'm', 'v', 99, '2026-11-27', now()),
                ('A', 'L', '2026-11-30', 3, 5, 6, 7, 0.8, 'm', 'v', 99, '2026-11-27', now()),
                ('B', 'L', '2026-11-28', 1, 2, 1, 3, 0.8, 'Naive[fallback]', 'v', 99, '2026-11-27', now()),
                ('B', 'L', '2026-11-29', 2, 2, 1, 3, 0.8, 'Naive[fallback]', 'v', 99, '2026-11-27', now())
                """)
            let c = try db.connect()
            defer { c.close() }
            let check = try Publisher.outputCheck(runID: 99, expectedRows: 6, horizon: 2, on: c)
            // Series B is served by the fallback on every horizon: counted once, as a series.
            #expect(check.series == 2)
            #expect(check.fallbackSeries == 1)
            // The NaN row also counts as misordered: NaN sorts above every number in PostgreSQL.
            #expect(
                check.failures == [
                    "5 rows, expected 6 (series x horizon)", "1 rows with non-finite values", "1 rows with yhat < 0",
                    "2 rows where not yhat_lower <= yhat <= yhat_upper", "1 rows with a horizon outside 1...H",
                ])
        }
    }
}
