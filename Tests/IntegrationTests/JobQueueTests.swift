import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 31, item 5: the operating schedule's other jobs (evaluate, monitor, retrain) are requests
/// in the database that the worker daemons take: idempotent while one waits, retried with backoff,
/// cancelled or requeued by command (recorded), and rescued when their daemon dies.
extension Integration {
    @Suite struct JobQueueTests {
        static func state(_ db: TestDatabase, _ id: Int64) throws -> String {
            try db.scalar(Query("SELECT state || '/' || attempt FROM forecast.job_requests WHERE id = \(id)"), as: String.self)
        }

        @Test func daemonsTakeRetryCancelRequeueAndRescueJobs() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 2)
            let worker = try db.workerURL()
            // A daemon of the monitor role: it may do what the worker role does, and monitor.
            let monitorLogin = try db.monitorURL()
            var daemon = try CLI.start(["worker", "--workers", "1", "--poll-seconds", "1"], databaseURL: monitorLogin)
            defer { if daemon.0.isRunning { daemon.0.terminate() } }

            // Evaluate: taken and done.
            let evaluate = try db.scalar("SELECT forecast.enqueue_job('evaluate')", as: Int64.self)
            try Exclusive.DaemonTests.waitFor("the evaluate job", seconds: 60) { try Self.state(db, evaluate) == "completed/1" }
            #expect(try db.scalar(Query("SELECT result FROM forecast.job_requests WHERE id = \(evaluate)"), as: String.self).contains("forecasts evaluated"))

            // Monitor with no published run fails: retried after a minute, then failed for good.
            let monitor = try db.scalar("SELECT forecast.enqueue_job('monitor', 'day', 2)", as: Int64.self)
            try Exclusive.DaemonTests.waitFor("the first attempt", seconds: 60) { try Self.state(db, monitor) == "available/1" }
            #expect(
                try db.scalar(
                    Query(
                        "SELECT scheduled_at > clock_timestamp() + interval '30 seconds' AND error IS NOT NULL FROM forecast.job_requests WHERE id = \(monitor)"
                    ),
                    as: Bool.self))
            try db.execute(Query("UPDATE forecast.job_requests SET scheduled_at = clock_timestamp() WHERE id = \(monitor)"))  // the minute passes
            try Exclusive.DaemonTests.waitFor("the last attempt", seconds: 60) { try Self.state(db, monitor) == "failed/2" }
            let error = try db.scalar(Query("SELECT error FROM forecast.job_requests WHERE id = \(monitor)"), as: String.self)

            // The cause is fixed (a run is published); requeued with a reason, the job runs again with its attempts anew.
            let when = ["--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z"]
            #expect(try CLI.run(["run"] + when + ["--model", "naive", "--horizon", "7"], databaseURL: db.url).status == 0)
            let requeued = try CLI.run(["requeue", "--job", String(monitor), "--reason", "a run is published now"], databaseURL: worker)
            #expect(requeued.status == 0 && requeued.stdout == "requeue: job \(monitor) was failed, now available\n", "\(requeued.stderr)")
            try Exclusive.DaemonTests.waitFor("the requeued job", seconds: 60) { try Self.state(db, monitor) == "completed/1" }
            #expect(try db.scalar(Query("SELECT result FROM forecast.job_requests WHERE id = \(monitor)"), as: String.self).hasPrefix("run "))
            #expect(
                try db.scalar(
                    Query("SELECT reason || '|' || previous_error FROM forecast.queue_events WHERE queue = 'job_requests' AND request_id = \(monitor)"),
                    as: String.self) == "a run is published now|\(error)")

            // Cancelled while it waits (no daemon running), refused once it is not waiting.
            kill(daemon.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(daemon).status == 0)
            let retrain = try db.scalar("SELECT forecast.enqueue_job('retrain')", as: Int64.self)
            // A scheduler firing twice asks once while the job waits; another frequency is another job.
            #expect(try db.scalar("SELECT forecast.enqueue_job('retrain')", as: Int64.self) == retrain)
            #expect(try db.scalar("SELECT forecast.enqueue_job('retrain', 'week')", as: Int64.self) != retrain)
            #expect(throws: PostgresError.self) { try db.execute("SELECT forecast.enqueue_job('vacuum')") }
            let cancelled = try CLI.run(["cancel", "--job", String(retrain), "--reason", "no retraining this week"], databaseURL: worker)
            #expect(cancelled.status == 0 && cancelled.stdout == "cancel: retrain job \(retrain) was waiting, now failed\n", "\(cancelled.stderr)")
            #expect(
                try db.scalar(Query("SELECT state || ': ' || error FROM forecast.job_requests WHERE id = \(retrain)"), as: String.self)
                    .hasSuffix(": no retraining this week"))
            let again = try CLI.run(["cancel", "--job", String(retrain), "--reason", "x"], databaseURL: worker)
            #expect(again.status == 64 && again.stderr.contains("job \(retrain) is failed, not waiting"), "\(again.stderr)")
            // The reader role may read the queue, not change it.
            let reader = try CLI.run(["cancel", "--job", String(retrain), "--reason", "x"], databaseURL: try db.readerURL())
            #expect(reader.status == 78 && reader.stderr.contains("[42501]"), "\(reader.stderr)")

            // A job left running by a daemon that died (no lock held) is rescued by the next daemon.
            let orphan = try db.scalar(
                "INSERT INTO forecast.job_requests (kind, state, attempt, taken_by, taken_at) VALUES ('evaluate', 'running', 1, 'gone', now()) RETURNING id",
                as: Int64.self)
            daemon = try CLI.start(["worker", "--workers", "1", "--poll-seconds", "1"], databaseURL: worker)
            try Exclusive.DaemonTests.waitFor("the rescued job", seconds: 60) { try Self.state(db, orphan) == "completed/2" }
            #expect(
                try db.scalar(Query("SELECT error FROM forecast.job_requests WHERE id = \(orphan)"), as: String.self)
                    == "its daemon (gone) stopped while it ran")
            // The weekly retrain job asked for above is done too (no retrain request is open: nothing to train).
            try Exclusive.DaemonTests.waitFor("the queue to drain", seconds: 60) {
                try db.scalar("SELECT count(*) FROM forecast.job_requests WHERE state IN ('available', 'running')", as: Int.self) == 0
            }
            #expect(
                try db.scalar(
                    "SELECT string_agg(state || ':' || entries, ',' ORDER BY state) FROM forecast.queues WHERE queue = 'job_requests'", as: String.self)
                    == "completed:4,failed:1")
            #expect(
                try db.scalar("SELECT result FROM forecast.job_requests WHERE kind = 'retrain' AND frequency = 'week'", as: String.self)
                    == "no open retrain requests")
            // Retention needs the owner: the worker role's daemon leaves it; an owner's daemon for jobs alone takes
            // it, and takes no run request.
            let retention = try db.scalar("SELECT forecast.enqueue_job('retention')", as: Int64.self)
            Thread.sleep(forTimeInterval: 3)
            #expect(try Self.state(db, retention) == "available/0")
            kill(daemon.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(daemon).status == 0)
            let request = try db.scalar("SELECT forecast.enqueue_run('2026-11-20', 'day', 7)", as: Int64.self)
            let owner = try CLI.start(["worker", "--workers", "1", "--poll-seconds", "1", "--jobs", "retention", "--no-runs"], databaseURL: db.url)
            defer { if owner.0.isRunning { owner.0.terminate() } }
            try Exclusive.DaemonTests.waitFor("the retention job", seconds: 60) { try Self.state(db, retention) == "completed/1" }
            #expect(
                try db.scalar(Query("SELECT result FROM forecast.job_requests WHERE id = \(retention)"), as: String.self).hasSuffix("0 dropped (0.0 MB)"))
            #expect(try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "available")
            kill(owner.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(owner).status == 0)
            let unknown = try CLI.run(["worker", "--jobs", "evaluate,vacuum"], databaseURL: worker)
            #expect(unknown.status == 64 && unknown.stderr.contains("'vacuum' is not a job kind"), "\(unknown.stderr)")
        }
        /// The login that publishes forecasts cannot record, resolve or hide the alerts about them:
        /// the worker role reads feature profiles, drift results and alerts, and only
        /// forecast_monitor writes them. A nightly run as the worker role queues its monitor pass
        /// as a job; a worker daemon leaves monitor jobs (and refuses `--jobs monitor`); a daemon in
        /// forecast_monitor takes it.
        @Test func theLoginThatPublishesQueuesItsMonitorPassAndCannotTouchAlerts() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 2)
            let when = ["--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--horizon", "7", "--no-progress"]
            // An open alert, as a monitor pass would leave it.
            try db.execute(
                """
                INSERT INTO forecast.alerts (rule, kind, tier, frequency, scope, value, threshold, message, runbook)
                VALUES ('quality.series_drop', 'quality', 'critical', 'day', 'all', 1, 2, 'series count dropped', 'Data-quality alerts')
                """)
            let worker = try db.workerURL()
            let c = try Connection.connect(worker)
            defer { c.close() }
            for sql in [
                "UPDATE forecast.alerts SET status = 'resolved', resolved_at = now()", "DELETE FROM forecast.alerts",
                "INSERT INTO forecast.alerts (rule, kind, tier, frequency, scope, value, threshold, message, runbook) SELECT rule, kind, tier, frequency, 'x', value, threshold, message, runbook FROM forecast.alerts",
                "INSERT INTO forecast.drift_results DEFAULT VALUES",
                "INSERT INTO forecast.feature_profiles DEFAULT VALUES",
            ] {
                #expect(Integration.Privileges.sqlState(c, Query(unsafeSQL: sql)) == "42501", "\(sql)")
            }
            #expect(try db.scalar("SELECT status FROM forecast.alerts", as: String.self) == "open")

            let run = try CLI.run(["run"] + when, databaseURL: worker)
            #expect(run.status == 0, "\(run.stderr)")
            let job = try db.scalar("SELECT id FROM forecast.job_requests WHERE kind = 'monitor' AND state = 'available'", as: Int64.self)
            #expect(run.stdout.contains("monitor     queued as job \(job): this login may not record alerts"), "\(run.stdout)")
            // A second run before the monitor daemon comes: the same job waits, and owes both runs a pass.
            let earlier = try CLI.run(
                ["run", "--cutoff", "2026-11-26", "--as-of", "2026-11-27T06:00:00Z", "--horizon", "7", "--no-progress"], databaseURL: worker)
            #expect(earlier.status == 0 && earlier.stdout.contains("monitor     queued as job \(job):"), "\(earlier.stdout)\(earlier.stderr)")
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.feature_profiles", as: Int.self) == 0)
            // Nor stop the pass without a trace (migration 046): the job cannot be made to look done,
            // taken, postponed or of another kind; a fake one cannot be put in its way.
            for sql in [
                "UPDATE forecast.job_requests SET state = 'completed', result = 'run 1: fine' WHERE id = \(job)",
                "UPDATE forecast.job_requests SET state = 'running', taken_by = 'nobody' WHERE id = \(job)",
                "UPDATE forecast.job_requests SET scheduled_at = clock_timestamp() + interval '1 year' WHERE id = \(job)",
                "UPDATE forecast.job_requests SET kind = 'evaluate' WHERE id = \(job)",
                "INSERT INTO forecast.job_requests (kind, frequency, state) VALUES ('monitor', 'week', 'running')",
            ] {
                #expect(Integration.Privileges.sqlState(c, Query(unsafeSQL: sql)) == "42501", "\(sql)")
            }
            #expect(try Self.state(db, job) == "available/0")
            let monitor = try CLI.run(["monitor"], databaseURL: worker)
            #expect(monitor.status == 78 && monitor.stderr.contains("log in as a member of forecast_monitor"), "\(monitor.stderr)")
            let refused = try CLI.run(["worker", "--jobs", "monitor", "--no-runs"], databaseURL: worker)
            #expect(refused.status == 78 && refused.stderr.contains("--jobs monitor: this login may not record a monitor pass"), "\(refused.stderr)")
            // A worker daemon takes the other jobs and leaves this one.
            let evaluate = try db.scalar("SELECT forecast.enqueue_job('evaluate')", as: Int64.self)
            let daemon = try CLI.start(["worker", "--workers", "1", "--poll-seconds", "1", "--no-runs", "--verbose"], databaseURL: worker)
            defer { if daemon.0.isRunning { daemon.0.terminate() } }
            try Exclusive.DaemonTests.waitFor("the evaluate job", seconds: 60) { try Self.state(db, evaluate) == "completed/1" }
            #expect(try Self.state(db, job) == "available/0")
            kill(daemon.0.processIdentifier, SIGTERM)
            let stopped = CLI.finish(daemon)
            #expect(stopped.status == 0 && stopped.stderr.contains("monitor jobs are left to a daemon in forecast_monitor"), "\(stopped.stderr)")
            // The monitor role's daemon does the pass.
            let watcher = try CLI.start(
                ["worker", "--workers", "1", "--poll-seconds", "1", "--jobs", "monitor", "--no-runs"], databaseURL: try db.monitorURL())
            defer { if watcher.0.isRunning { watcher.0.terminate() } }
            try Exclusive.DaemonTests.waitFor("the monitor job", seconds: 60) { try Self.state(db, job) == "completed/1" }
            // Oldest cutoff first: the run for 2026-11-26 (run 2), then 2026-11-27's (run 1).
            let result = try db.scalar(Query("SELECT result FROM forecast.job_requests WHERE id = \(job)"), as: String.self)
            #expect(result.hasPrefix("run 2: ") && result.contains("; run 1: "), "\(result)")
            #expect(try db.scalar("SELECT count(DISTINCT run_id)::int FROM forecast.feature_profiles", as: Int.self) == 2)
            kill(watcher.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(watcher).status == 0)
        }
    }
}
