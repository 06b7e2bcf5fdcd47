import Foundation
import Testing
@testable import Pipeline
import Postgres

/// Issue 11, worker daemons: a run enqueued by SQL is done by daemons that were idle; SIGTERM
/// mid-item loses nothing (another daemon does the item) and the daemon exits cleanly.
extension Integration {
    @Suite struct DaemonTests {
        static func waitFor(_ what: String, seconds: Double = 90, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return }
                Thread.sleep(forTimeInterval: 0.2)
            }
            Issue.record("timed out waiting for \(what)")
        }

        @Test func idleDaemonsTakeAnEnqueuedRunAndAStoppedOneLosesNothing() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            // Two idle daemons, small work items held 1.5 s each so that one can be stopped mid-item.
            let args = ["worker", "--workers", "1", "--poll-seconds", "30", "--chunk-size", "2", "--throttle-ms", "1500"]
            let a = try CLI.start(args, databaseURL: db.url)
            let b = try CLI.start(args, databaseURL: db.url)
            defer { [a, b].forEach { if $0.0.isRunning { $0.0.terminate() } } }
            Thread.sleep(forTimeInterval: 1.5)
            // The schedule: enqueued twice (a scheduler firing twice), one request, woken by NOTIFY.
            let first = try db.scalar("SELECT forecast.enqueue_run('2026-11-27', 'day', 7)", as: Int64.self)
            #expect(try db.scalar("SELECT forecast.enqueue_run('2026-11-27', 'day', 7)", as: Int64.self) == first)
            #expect(try db.scalar("SELECT count(*) FROM forecast.run_requests", as: Int.self) == 1)
            // Daemon A holds an item: stop it mid-item.
            let pidA = a.0.processIdentifier
            try Self.waitFor("daemon A to hold an item", seconds: 30) {
                try db.scalar(Query("SELECT count(*) FROM forecast.work_items WHERE state = 'running' AND attempted_by LIKE \("%:\(pidA)-%")"), as: Int.self) > 0
            }
            kill(pidA, SIGTERM)
            let stopped = CLI.finish(a)
            #expect(stopped.status == 0, "\(stopped.stderr)")
            #expect(stopped.stdout.hasPrefix("worker: stopped after"), "\(stopped.stdout)")
            // B finishes the run, including the item A handed back.
            try Self.waitFor("the run to publish") {
                try db.scalar("SELECT count(*) FROM forecast.runs WHERE status = 'published'", as: Int.self) == 1
            }
            let run = try db.scalar("SELECT id FROM forecast.runs WHERE status = 'published'", as: Int64.self)
            let series = try db.scalar(Query("SELECT series_count FROM forecast.runs WHERE id = \(run)"), as: Int.self)
            #expect(try db.scalar(Query("SELECT count(*) FROM forecast.forecasts WHERE run_id = \(run)"), as: Int.self) == series * 7)
            #expect(try db.scalar(Query("""
                SELECT count(*) FROM forecast.work_items WHERE run_id = \(run) AND state = 'completed' AND attempted_by NOT LIKE \("%:\(pidA)-%")
                  AND errors::text LIKE '%worker stopping%'
                """), as: Int.self) >= 1)
            try Self.waitFor("the request to be done", seconds: 20) {
                try db.scalar("SELECT status || ' ' || (run_id IS NOT NULL) FROM forecast.run_requests", as: String.self) == "done true"
            }
            kill(b.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(b).status == 0)
        }
    }
}
