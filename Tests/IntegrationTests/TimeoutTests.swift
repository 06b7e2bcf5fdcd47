import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Timed.Hardening {
    /// A statement that outlives its class's timeout is cancelled by the server (57014) and the
    /// attempt is retried like any transient failure: here every forecast write waits on a lock
    /// another session holds on `forecast.forecasts`, each attempt is cancelled after 1 s, and
    /// after the last one the run fails (exit 1) with the timeout in the item's error, instead of
    /// a worker waiting forever. Nothing is published and no row is left behind. (The lock is on the
    /// run's own partition: one on the partitioned parent would stop the run from being created.)
    @Test func aStatementOutlivingItsClassTimeoutIsCancelledAndRetried() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 10, locations: 2, days: 120)
        let blocker = try db.connect()
        defer { blocker.close() }
        // The next run's partitions, made ahead and locked: reads go on, its inserts wait.
        let next = try db.scalar("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM forecast.runs_id_seq", as: Int64.self)
        try blocker.execute(
            Query(
                """
                SELECT forecast.attach_partition(t, \(next))
                FROM unnest(forecast.run_partitioned_tables()) t
                """))
        try blocker.execute("BEGIN")
        try blocker.execute(Query("LOCK TABLE forecast.forecasts_r\(unsafeRaw: String(next)) IN SHARE MODE"))
        let run = try CLI.start(
            Timed.CommandLine.runArgs + [
                "--workers", "1", "--max-attempts", "2",
                "--statement-timeouts", "write=1",
            ], databaseURL: db.url)
        try Timed.CommandLine.waitFor("both attempts to time out") {
            (try? db.scalar("SELECT count(*) FROM forecast.work_items WHERE state = 'failed'", as: Int.self)) ?? 0 > 0
        }
        try blocker.execute("COMMIT")
        let result = CLI.finish(run)
        #expect(result.status == 1, "\(result.stderr)")
        let error = try db.scalar("SELECT errors::text FROM forecast.work_items WHERE state = 'failed' LIMIT 1", as: String.self)
        #expect(error.contains("57014") && error.contains("statement timeout"), "\(error)")
        #expect(try db.scalar("SELECT max(attempt) FROM forecast.work_items", as: Int.self) == 2)
        #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == 0)
        #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == 0)

        let bad = try CLI.run(Timed.CommandLine.runArgs + ["--statement-timeouts", "fetch=5"], databaseURL: db.url)
        #expect(bad.status == 64)
        #expect(bad.stderr == "forecastctl: error: --statement-timeouts takes CLASS=SECONDS pairs (classes: claim, read, write, publish), got 'fetch=5'\n")
        let nan = try CLI.run(Timed.CommandLine.runArgs + ["--statement-timeouts", "claim=5,read=nan"], databaseURL: db.url)
        #expect(nan.stderr == "forecastctl: error: --statement-timeouts read must be between 0.001 and 86400 seconds, got nan\n")
        #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 1)
    }
}

extension Timed.Hardening {
    /// A run left `queued` by a planner that is gone (killed during training, or its commit lost
    /// in a crash: the fault drills met this after `pg_ctl restart -m immediate`) no longer keeps
    /// its workers waiting forever: the planner's lock is free, so a worker fails the run.
    @Test func workersFailARunWhosePlannerIsGone() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 5, locations: 2)
        let published = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 3))
        let orphan = try db.scalar(
            Query(
                """
                INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version, status)
                SELECT cutoff - 7, as_of, frequency, horizon, config, code_version, model_version, 'queued'
                FROM forecast.runs WHERE id = \(published.runID)
                RETURNING id
                """), as: Int64.self)
        let started = Date()
        let work = try CLI.run(["work", "--run", String(orphan), "--workers", "1"], databaseURL: db.url)
        #expect(work.status == 1, "\(work.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(
            try db.scalar(Query("SELECT status || ': ' || error FROM forecast.runs WHERE id = \(orphan)"), as: String.self)
                == "failed: the process planning this run stopped before the run started")
    }
}
