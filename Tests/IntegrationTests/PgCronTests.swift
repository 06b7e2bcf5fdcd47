import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 11, the schedule in the database: pg_cron (Debian postgresql-15-cron, preloaded by
/// ops/scripts/pg-local.sh) fires forecast.enqueue_run; two jobs firing at once (a schedule
/// registered twice) still enqueue exactly one run for the cutoff. Its jobs are named by its own
/// database and read back by id, so it runs beside the other tests.
extension Integration {
    @Suite struct PgCronTests {
        @Test func twoFiringsOfTheScheduleEnqueueOneRun() async throws {
            let db = try TestDatabase()
            defer { db.drop() }
            // pg_cron's catalog lives in cron.database_name (postgres, ops/scripts/pg-local.sh).
            var components = URLComponents(string: try TestDatabase.adminURL)!
            components.path = "/postgres"
            let admin = try Connection.connect(components.string!)
            defer { admin.close() }
            try admin.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
            let command = "SELECT forecast.enqueue_run('2026-11-27', 'day', 7)"
            var jobs: [Int64] = []
            // By id: a bare parameter would pick unschedule(text), the job *name*, and leave the job behind.
            defer { for job in jobs { _ = try? admin.execute(Query("SELECT cron.unschedule(\(job)::bigint)")) } }
            // The nightly run and the evaluate job, each registered twice (the rest of the schedule is the same call).
            for (name, sql) in [("daily", command), ("evaluate", "SELECT forecast.enqueue_job('evaluate')")] {
                for copy in ["a", "b"] {
                    jobs.append(
                        try admin.query(
                            Query(
                                """
                                SELECT cron.schedule_in_database(\("forecast-\(name)-\(db.name)-\(copy)"), '* * * * *', \(sql), \(db.name))
                                """)
                        ).first!.decode(at: 0, as: Int64.self))
                }
            }
            // pg_cron fires at the next minute boundary.
            let deadline = Date().addingTimeInterval(75)
            var fired = 0
            while true {
                fired = try admin.query(
                    Query(
                        """
                        SELECT count(*)::int FROM cron.job_run_details WHERE jobid = ANY(\(jobs.map(String.init))::bigint[]) AND status = 'succeeded'
                        """)
                ).first!.decode(at: 0, as: Int.self)
                if fired >= 4 || Date() >= deadline { break }
                // Waits without holding a thread of the test pool: the minute passes beside other
                // tests (which may keep this task waiting for a thread past the deadline, so the
                // count is always read once after the wait).
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(fired >= 4, "pg_cron did not fire the four jobs within 75 s")
            #expect(
                try db.scalar("SELECT count(*) || ' ' || min(state) || ' ' || min(cutoff) FROM forecast.run_requests", as: String.self)
                    == "1 available 2026-11-27")
            #expect(
                try db.scalar("SELECT count(*) || ' ' || min(kind) || ' ' || min(state) FROM forecast.job_requests", as: String.self) == "1 evaluate available")
        }
    }
}
