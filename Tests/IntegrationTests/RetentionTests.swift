import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 11, item 5: every run and backtest has its own partitions; retention drops whole
/// partitions and keeps what rollback and evaluation need.
extension Integration {
    @Suite struct RetentionTests {
        static func partitions(_ db: TestDatabase, run: Int64) throws -> Int {
            try db.scalar(
                Query(
                    """
                    SELECT count(*)::int FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE c.relnamespace = 'forecast'::regnamespace AND c.relname LIKE '%\\_r' || \(String(run))
                    """), as: Int.self)
        }

        static func latest(_ db: TestDatabase) throws -> String {
            try db.scalar(
                """
                SELECT md5(string_agg(concat_ws('|', run_id, item_id, location_id, ds, float8send(yhat), frequency), ',' ORDER BY item_id, location_id, ds))
                FROM forecast.latest
                """, as: String.self)
        }

        @Test func retentionDropsPartitionsAndKeepsWhatRollbackAndEvaluationNeed() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let coordinator = Fixtures.coordinator(db)
            var runs: [String: Int64] = [:]
            for day in ["2026-11-06", "2026-11-09", "2026-11-12", "2026-11-15", "2026-11-18", "2026-11-27"] {
                runs[day] = try coordinator.run(Fixtures.options(horizon: 7, cutoff: PostgresDate(iso: day)!)).runID
            }
            let oldest = runs["2026-11-06"]!, served = runs["2026-11-27"]!
            // Each run has its nine partitions (forecasts, side forecast paths, series stats, run series, evaluations and their
            // two rollups, quantiles, competing prices).
            #expect(try Self.partitions(db, run: oldest) == 9)
            #expect(try db.scalar(Query("SELECT count(*)::int FROM forecast.forecasts_r\(unsafeRaw: String(oldest))"), as: Int.self) == 12 * 7)
            // Bytes per run are its partitions' sizes.
            #expect(
                try db.scalar(Query("SELECT bytes_stored = forecast.run_bytes(id) AND bytes_stored > 0 FROM forecast.runs WHERE id = \(served)"), as: Bool.self)
            )
            // The read path only touches the served partition (the others are pruned at execution time).
            let explain = try db.connect()
            let lines = try explain.query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM forecast.latest WHERE item_id = 'I000001'")
                .rows.map { try $0.decode(at: 0, as: String.self) }
            explain.close()
            let scanned = lines.filter { $0.contains(" on forecasts_r") && !$0.contains("never executed") }
            #expect(scanned.count == 1 && scanned.allSatisfy { $0.contains("forecasts_r\(served) ") }, "\(lines.joined(separator: "\n"))")

            try db.execute("UPDATE forecast.service_objectives SET retention_days = 10 WHERE frequency = 'day'")
            let today = PostgresDate(iso: "2026-11-28")!
            let c = try db.connect()
            defer { c.close() }

            // Before any actuals are evaluated, every published run is still needed.
            let before = try Retention.plan(rollbackDepth: 2, today: today, on: c)
            #expect(before.filter { $0.kind == .run && !$0.keep }.isEmpty)
            #expect(before.first { $0.key == oldest && $0.kind == .run }?.reason == "awaiting actuals (forecastctl evaluate)")

            _ = try Evaluator.evaluate(inputSchema: "demand", on: c)
            let plan2 = try Retention.plan(rollbackDepth: 2, today: today, on: c)
            func reason(_ day: String) -> String? { plan2.first { $0.kind == .run && $0.key == runs[day]! }?.reason }
            #expect(reason("2026-11-27") == "served by forecast.latest")
            #expect(reason("2026-11-18") == "rollback target (newest 2 published cutoffs)")
            #expect(reason("2026-11-15") == "older than retention (10 days)")
            #expect(
                Set(plan2.filter { $0.kind == .run && !$0.keep }.map(\.key))
                    == Set(["2026-11-06", "2026-11-09", "2026-11-12", "2026-11-15"].map { runs[$0]! }))

            let latestBefore = try Self.latest(db)
            let keptEvaluations = try db.scalar(Query("SELECT count(*)::int FROM forecast.evaluations WHERE run_id = \(runs["2026-11-18"]!)"), as: Int.self)
            #expect(keptEvaluations > 0)
            let dropped = try Retention.apply(plan2.filter { !$0.keep }, rollbackDepth: 2, today: today, on: c)
            #expect(dropped.count == 4 && dropped.allSatisfy { $0.partitions == 9 && $0.rows == 12 * 7 && $0.bytes > 0 })
            // The partitions are gone, the run rows stay (purged_at), the audit trail says why.
            #expect(try Self.partitions(db, run: oldest) == 0)
            #expect(try db.scalar(Query("SELECT to_regclass('forecast.forecasts_r' || \(String(oldest))) IS NULL"), as: Bool.self))
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.runs WHERE purged_at IS NOT NULL", as: Int.self) == 4)
            #expect(
                try db.scalar(
                    "SELECT count(*)::int FROM forecast.retention_events WHERE kind = 'run' AND reason = 'older than retention (10 days)' AND rows = 84",
                    as: Int.self) == 4)
            #expect(try db.scalar(Query("SELECT count(*)::int FROM forecast.forecasts WHERE run_id = \(oldest)"), as: Int.self) == 0)
            // What latest serves, rollback targets and their evaluations are untouched.
            #expect(try Self.latest(db) == latestBefore)
            #expect(
                try db.scalar(Query("SELECT count(*)::int FROM forecast.evaluations WHERE run_id = \(runs["2026-11-18"]!)"), as: Int.self) == keptEvaluations)
            _ = try OutputPins.pin(runID: runs["2026-11-18"]!, reason: "rollback drill", on: c)
            #expect(try db.scalar("SELECT count(DISTINCT run_id)::int FROM forecast.latest", as: Int.self) == 1)
            // A purged run cannot be pinned: its rows are gone.
            var refused: String?
            do { _ = try OutputPins.pin(runID: oldest, reason: "too old", on: c) } catch let e as PostgresError { refused = e.sqlState?.code }
            #expect(refused == "FC006")
            _ = try OutputPins.unpin(frequency: .day, reason: "drill over", on: c)
            // A second pass has nothing left to do; new runs still get their partitions.
            #expect(try Retention.plan(rollbackDepth: 2, today: today, on: c).filter { !$0.keep }.isEmpty)
            let next = try coordinator.run(Fixtures.options(horizon: 7, force: true, cutoff: PostgresDate(iso: "2026-11-26")!))
            #expect(try Self.partitions(db, run: next.runID) == 9)
        }

        @Test func backtestsAModelVersionNamesAreKept() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let version = try Registry.train(db, "moving_average", label: "moving average")
            let other = try Integration.Backtests.runner(db).run(try Integration.Backtests.options(models: [.naive]))
            #expect(try db.scalar(Query("SELECT count(*)::int FROM forecast.backtest_results_b\(unsafeRaw: String(other.id))"), as: Int.self) > 0)
            try db.execute("UPDATE forecast.backtests SET created_at = '2025-01-01'")
            let c = try db.connect()
            defer { c.close() }
            let plan = try Retention.plan(rollbackDepth: 7, today: nil, on: c).filter { $0.kind == .backtest }
            #expect(plan.first { $0.key == version.backtestID }?.reason == "lineage of a model version")
            #expect(plan.first { $0.key == other.id }?.keep == false)
            let dropped = try Retention.apply(plan, rollbackDepth: 7, today: nil, on: c)
            #expect(dropped.map(\.key) == [other.id])
            #expect(try db.scalar(Query("SELECT to_regclass('forecast.backtest_results_b' || \(String(other.id))) IS NULL"), as: Bool.self))
            // The kept backtest still feeds the model card.
            #expect(try db.scalar(Query("SELECT count(*)::int FROM forecast.backtest_results WHERE backtest_id = \(version.backtestID)"), as: Int.self) > 0)
        }

        /// Issue 29, finding 2: while retention waits in DETACH ... CONCURRENTLY behind a BI
        /// reader's snapshot, a pin of the run it is purging is refused; a run pinned first is kept.
        @Test func pinAndPurgeSerialise() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let coordinator = Fixtures.coordinator(db)
            var runs: [String: Int64] = [:]
            for day in ["2026-11-06", "2026-11-09", "2026-11-20", "2026-11-27"] {
                runs[day] = try coordinator.run(Fixtures.options(horizon: 7, cutoff: PostgresDate(iso: day)!)).runID
            }
            try db.execute("UPDATE forecast.service_objectives SET retention_days = 10 WHERE frequency = 'day'")
            let today = PostgresDate(iso: "2026-11-28")!
            let c = try db.connect()
            defer { c.close() }
            _ = try Evaluator.evaluate(inputSchema: "demand", on: c)
            let plan = try Retention.plan(rollbackDepth: 1, today: today, on: c)
            let purging = runs["2026-11-06"]!, pinnedFirst = runs["2026-11-09"]!
            #expect(Set(plan.filter { $0.kind == .run && !$0.keep }.map(\.key)) == [purging, pinnedFirst])
            let latestBefore = try Self.latest(db)

            // A run pinned before retention claims it is kept, and served.
            _ = try OutputPins.pin(runID: pinnedFirst, reason: "numbers of the 9th", on: c)
            #expect(try Retention.apply(plan.filter { $0.key == pinnedFirst }, rollbackDepth: 1, today: today, on: c).isEmpty)
            #expect(try db.scalar(Query("SELECT count(*)::int FROM forecast.latest WHERE run_id = \(pinnedFirst)"), as: Int.self) == 12 * 7)
            _ = try OutputPins.unpin(frequency: .day, reason: "back to the newest", on: c)

            // A BI reader holds a snapshot: retention claims the run, then waits in the detach.
            let reader = try db.connect()
            defer { reader.close() }
            try reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            #expect(try reader.query("SELECT count(*)::int AS n FROM forecast.latest").first?.decode("n", as: Int.self) == 12 * 7)
            let url = db.url
            let retention = BackgroundTask<[Retention.Dropped]>(name: "retention") {
                let r = try Connection.connect(url)
                defer { r.close() }
                return try Retention.apply(plan.filter { $0.key == purging }, rollbackDepth: 1, today: today, on: r)
            }
            var waiting = false
            for _ in 0..<200 where !waiting {
                waiting = try db.scalar(
                    """
                    SELECT count(*) > 0 FROM pg_stat_activity
                    WHERE datname = current_database() AND query LIKE '%DETACH PARTITION%' AND wait_event_type = 'Lock'
                    """, as: Bool.self)
                if !waiting { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(waiting, "retention never waited for the reader")
            var refused: String?
            do { _ = try OutputPins.pin(runID: purging, reason: "pin during the purge", on: c) } catch let e as PostgresError { refused = e.sqlState?.code }
            #expect(refused == "FC006")
            try reader.execute("COMMIT")
            let dropped = try retention.value()
            #expect(dropped.map(\.key) == [purging])
            #expect(
                try db.scalar(Query("SELECT purged_at IS NOT NULL AND purge_started_at <= purged_at FROM forecast.runs WHERE id = \(purging)"), as: Bool.self))
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.output_pins", as: Int.self) == 0)
            #expect(try Self.latest(db) == latestBefore)
        }
    }
}
