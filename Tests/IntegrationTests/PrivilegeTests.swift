import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Integration {
    /// What the worker role can and cannot do to published output, enforced by the database.
    @Suite struct Privileges {
        static func sqlState(_ c: Connection, _ sql: Query) -> String? {
            do {
                try c.execute(sql)
                return nil
            } catch let error as PostgresError {
                return error.sqlState?.code
            } catch {
                return "?"
            }
        }

        @Test func theWorkerRoleCannotChangePublishedOutputOrSkipTheLifecycle() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let published = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 3))
            #expect(published.outcome == .published)
            let rows = try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self)
            try db.execute(
                """
                INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version, status)
                VALUES ('2026-11-20', now(), 'day', 3, '{}', 'test', 'test', 'queued'),
                       ('2026-11-19', now(), 'day', 3, '{}', 'test', 'test', 'queued')
                """)
            let c = try db.connect()
            defer { c.close() }
            try c.execute("SET ROLE forecast_worker")
            let id = published.runID
            // New rows into a published run: refused.
            #expect(
                Self.sqlState(
                    c,
                    Query(
                        """
                        INSERT INTO forecast.forecasts (run_id, item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper,
                                                        interval_level, model_name, model_version, cutoff, generated_at)
                        SELECT run_id, item_id, location_id, ds + 100, horizon, 1e9, 0, 2e9, interval_level, model_name, model_version, cutoff, generated_at
                        FROM forecast.forecasts WHERE run_id = \(id) LIMIT 1
                        """)) == "FC003")
            // Changing or removing published rows: not granted.
            #expect(Self.sqlState(c, Query("UPDATE forecast.forecasts SET yhat = 0 WHERE run_id = \(id)")) == "42501")
            #expect(Self.sqlState(c, Query("DELETE FROM forecast.forecasts WHERE run_id = \(id)")) == "42501")
            // Status changes outside the lifecycle, and publishing a run whose work is not done.
            let queued = try c.query("SELECT min(id) AS id FROM forecast.runs WHERE status = 'queued'").first!.decode("id", as: Int64.self)
            #expect(Self.sqlState(c, Query("UPDATE forecast.runs SET status = 'published' WHERE id = \(queued)")) == "FC001")
            #expect(Self.sqlState(c, Query("UPDATE forecast.runs SET status = 'running' WHERE id = \(id)")) == "FC001")
            try c.execute(Query("UPDATE forecast.runs SET status = 'running' WHERE id = \(queued)"))
            #expect(Self.sqlState(c, Query("UPDATE forecast.runs SET status = 'published' WHERE id = \(queued)")) == "FC002")
            try c.execute("RESET ROLE")
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == rows)
            #expect(try db.scalar(Query("SELECT status FROM forecast.runs WHERE id = \(id)"), as: String.self) == "published")
        }

        /// The planner's statistics of its run's series partition: a plain ANALYZE by the worker role
        /// is skipped (not the table's owner); `forecast.analyze_run_series` gathers them.
        @Test func theWorkerRoleGathersItsRunSeriesStatistics() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let run = try db.scalar(
                """
                INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version, status)
                VALUES ('2026-11-20', now(), 'day', 3, '{}', 'test', 'test', 'queued') RETURNING id
                """, as: Int64.self)
            try db.execute(
                Query(
                    """
                    INSERT INTO forecast.run_series (run_id, series_no, item_id, location_id, chunk)
                    SELECT \(run), g, 'I' || g, 'L1', g / 100 FROM generate_series(0, 999) g
                    """))
            let c = try db.connect()
            defer { c.close() }
            let stats = Query("SELECT count(*) FROM pg_stats WHERE schemaname = 'forecast' AND tablename = \("run_series_r\(run)")")
            try c.execute("SET ROLE forecast_worker")
            try c.execute(Query("ANALYZE forecast.\(ident: SQLIdentifier("run_series_r\(run)"))"))
            #expect(try db.scalar(stats, as: Int.self) == 0)
            try c.execute(Query("SELECT forecast.analyze_run_series(\(run))"))
            #expect(try db.scalar(stats, as: Int.self) > 0)
            #expect(Self.sqlState(c, Query("SELECT forecast.analyze_run_series(-1)")) == "P0001")
        }

        /// Migration 041: the worker role cannot index a partition by hand, but has a published run's
        /// partition indexed by location through `forecast.index_published_run`; any other run id,
        /// one not published, unknown or negative, is refused with false and nothing is built.
        @Test func theWorkerRoleIndexesOnlyAPublishedRunByLocation() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 2, locations: 2)
            let version = try Registry.train(db, "moving_average", label: "moving average")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: try db.connect())
            let run = try Registry.serve(db, horizon: 2).runID
            let name = "forecasts_r\(run)_by_location"
            let indexed = Query("SELECT count(*)::int FROM pg_indexes WHERE schemaname = 'forecast' AND indexname = \(name)")
            #expect(try db.scalar(indexed, as: Int.self) == 1)  // by the run's coordinator
            try db.execute(Query("DROP INDEX forecast.\(ident: SQLIdentifier(name))"))
            let queued = try db.scalar(
                """
                INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version, status)
                VALUES ('2026-11-20', now(), 'day', 3, '{}', 'test', 'test', 'queued') RETURNING id
                """, as: Int64.self)
            let c = try db.connect()
            defer { c.close() }
            try c.execute("SET ROLE forecast_worker")
            #expect(Self.sqlState(c, Query("CREATE INDEX by_hand ON forecast.\(ident: SQLIdentifier("forecasts_r\(run)")) (location_id)")) == "42501")
            for refused in [queued, -1, Int64.max] {
                #expect(try c.query(Query("SELECT forecast.index_published_run(\(refused)) AS done")).first?.decode("done", as: Bool.self) == false)
            }
            #expect(try db.scalar("SELECT count(*)::int FROM pg_indexes WHERE schemaname = 'forecast' AND indexname LIKE '%_by_location'", as: Int.self) == 0)
            #expect(try c.query(Query("SELECT forecast.index_published_run(\(run)) AS done")).first?.decode("done", as: Bool.self) == true)
            #expect(try db.scalar(indexed, as: Int.self) == 1)
            // Twice is a no-op, not an error.
            #expect(try c.query(Query("SELECT forecast.index_published_run(\(run)) AS done")).first?.decode("done", as: Bool.self) == true)
        }
    }
}
