import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Integration {
    /// The three queues speak one vocabulary (migration 034): the same four states in a column of
    /// the same name, checked by the database, and `forecast.queues` shows them side by side.
    @Suite struct QueueVocabulary {
        @Test func workItemsRunRequestsAndRetrainRequestsShareTheirStates() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let words = QueueState.allCases.map(\.rawValue)
            for (table, constraint) in [
                ("work_items", "state_is_known"), ("run_requests", "request_state_is_known"), ("retrain_requests", "retrain_state_is_known"),
            ] {
                // The database's own list of allowed states is Swift's.
                let check = try db.scalar(
                    Query(
                        """
                        SELECT pg_get_constraintdef(oid) FROM pg_constraint
                        WHERE conname = \(constraint) AND conrelid = ('forecast.' || \(table))::regclass
                        """), as: String.self)
                #expect(words.allSatisfy { check.contains("'\($0)'") } && !check.contains("pending"), "\(table): \(check)")
            }
            // A new request waits as `available`; the old words are refused.
            _ = try db.scalar("SELECT forecast.enqueue_run('2026-11-27')", as: Int64.self)
            #expect(try db.scalar("SELECT state FROM forecast.run_requests", as: String.self) == "available")
            #expect(throws: PostgresError.self) { try db.execute("UPDATE forecast.run_requests SET state = 'pending'") }
            try db.execute("INSERT INTO forecast.retrain_requests (frequency, rule, reason) VALUES ('day', 'drift', 'test')")
            // The claim moves it to running, as a work item's claim does.
            let taken = try RunRequests.take(by: "daemon-1", on: try db.connect())
            #expect(taken?.cutoff == Fixtures.end)
            #expect(
                try db.scalar("SELECT string_agg(queue || ':' || state || ':' || entries, ',' ORDER BY queue) FROM forecast.queues", as: String.self)
                    == "retrain_requests:available:1,run_requests:running:1")
            // The reader role (dashboards) sees the view.
            #expect(try db.scalar("SELECT has_table_privilege('forecast_reader', 'forecast.queues', 'SELECT')", as: Bool.self))
        }

        /// A request is settled by another daemon only when its own daemon is gone: while the daemon
        /// that took it is still in the run's monitor pass (its cutoff already published), another
        /// daemon's reconcile leaves it running; once that daemon's session ends, it is completed.
        @Test func aRequestIsSettledByOthersOnlyOnceItsDaemonIsGone() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let request = try db.scalar("SELECT forecast.enqueue_run('2026-11-27')", as: Int64.self)
            let daemon = try db.connect()
            #expect(try RunRequests.take(by: "daemon-1", on: daemon)?.id == request)
            // Its cutoff published (as after the run, before the monitor pass ends).
            try db.loadDemo(items: 2, locations: 1)
            try db.moveLoads()
            let published = try CLI.run(["run", "--cutoff", "2026-11-27", "--model", "seasonal_naive", "--no-progress"], databaseURL: db.url)
            #expect(published.status == 0, "\(published.stderr)")
            let other = try db.connect()
            defer { other.close() }
            try RunRequests.reconcile(staleSeconds: 0, on: other)
            #expect(try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "running")
            // The daemon finishes it itself: completed, lock released.
            try RunRequests.finish(request, runID: nil, error: nil, on: daemon)
            try RunRequests.unlock(request, on: daemon)
            #expect(try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "completed")
            // A second request whose daemon dies (its session ends): the next reconcile completes it.
            try db.execute("UPDATE forecast.run_requests SET state = 'running', finished_at = NULL WHERE id = \(request)")
            let second = try db.connect()
            try second.execute(Query("SELECT pg_advisory_lock(\(RunRequests.lockKey("\(request)")))"))
            try RunRequests.reconcile(staleSeconds: 0, on: other)
            #expect(try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "running")
            second.close()
            // The server ends the closed session (and its lock) a moment after the client leaves.
            var state = ""
            for _ in 0..<100 where state != "completed" {
                try RunRequests.reconcile(staleSeconds: 0, on: other)
                state = try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self)
                if state != "completed" { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(state == "completed")
            daemon.close()
        }
    }
}
