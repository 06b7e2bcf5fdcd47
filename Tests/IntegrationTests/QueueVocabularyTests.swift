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
    }
}
