import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Faults, signals, timeouts and privileges with the real binary in real processes (issue 8).
extension Timed {
    @Suite struct Hardening {
        /// The coordinator's own connection sits idle while the workers run; when it is lost in
        /// that time (a server restart, an admin's pg_terminate_backend) the run still publishes and
        /// `run` must say so (exit 0), not "cannot connect" (exit 69).
        @Test func losingTheIdleCoordinatorConnectionDoesNotFailAPublishedRun() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let run = try CLI.start(CommandLine.runArgs + ["--workers", "1", "--chunk-size", "10"], databaseURL: db.url, holdMs: 40)
            try CommandLine.waitFor("the run to start") {
                (try? db.scalar("SELECT count(*) FROM forecast.work_items WHERE state = 'running'", as: Int.self)) == 1
            }
            // The process's first connection is the coordinator's.
            let current = try db.scalar("SELECT current_database()::text", as: String.self)
            let terminated = try db.scalar(
                Query(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = \(current) AND application_name = 'forecastctl' ORDER BY backend_start LIMIT 1
                    """), as: Bool.self)
            #expect(terminated)
            let result = CLI.finish(run)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("published"), "\(result.stdout)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs WHERE status = 'published'", as: Int.self) == 1)
        }

        /// A run asked for while another run of the cutoff is in flight with a different definition
        /// is refused (exit 75, naming the run and the difference); the run in flight is untouched.
        @Test func aDifferentRunForACutoffInFlightIsRefusedNotSilentlyJoined() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            // 9 items of a second each: still in flight when the second command has started, even
            // with the other tests loading the cores.
            let first = try CLI.start(CommandLine.runArgs + ["--workers", "1", "--chunk-size", "10"], databaseURL: db.url, holdMs: 1000)
            try CommandLine.waitFor("the run to start") {
                (try? db.scalar("SELECT count(*) FROM forecast.runs WHERE status = 'running'", as: Int.self)) == 1
            }
            let runID = try db.scalar("SELECT id FROM forecast.runs", as: Int64.self)
            var args = CommandLine.runArgs
            args[args.firstIndex(of: "14")!] = "7"
            let second = try CLI.run(args + ["--force"], databaseURL: db.url)
            #expect(second.status == 75)
            #expect(
                second.stderr
                    == "forecastctl: error: run \(runID) for this cutoff is in flight with horizon 14 (asked 7); it was left alone: wait for it (`forecastctl status`) and run again with --force\n"
            )
            let result = CLI.finish(first)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 1)
            #expect(try db.scalar("SELECT max(horizon) FROM forecast.latest", as: Int.self) == 14)
        }

        /// SIGTERM: `run` stops claiming, hands its item back at once (no lease to wait out, the
        /// attempt not counted) and exits 143; the next `run` finishes the same run right away.
        @Test func sigtermHandsTheItemBackAndExitsWithADocumentedCode() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let series = try Integration.Runs.expectedSeries(db)
            let slow = try CLI.start(
                CommandLine.runArgs + [
                    "--workers", "1", "--chunk-size", "10", "--lease-seconds", "600",
                ], databaseURL: db.url, holdMs: 60000)
            try CommandLine.waitFor("an item to be held") {
                (try? db.scalar("SELECT count(*) FROM forecast.work_items WHERE state = 'running'", as: Int.self)) == 1
            }
            let stopped = Date()
            kill(slow.0.processIdentifier, SIGTERM)
            let result = CLI.finish(slow)
            #expect(result.status == 143, "\(result.stderr)")
            #expect(Date().timeIntervalSince(stopped) < 10)
            #expect(result.stderr.contains("stopped by SIGTERM"), "\(result.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.work_items WHERE state = 'running'", as: Int.self) == 0)
            #expect(try db.scalar("SELECT max(attempt) FROM forecast.work_items", as: Int.self) == 0)
            #expect(try db.scalar("SELECT status FROM forecast.runs", as: String.self) == "running")
            let started = Date()
            let rerun = try CLI.run(CommandLine.runArgs + ["--lease-seconds", "600"], databaseURL: db.url)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(Date().timeIntervalSince(started) < 30, "the rerun waited for a lease")
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == series * 14)
        }

        /// `cancel` fails a running run cleanly: its workers stop, `run` exits 1 naming the cancel,
        /// latest is untouched; `prune` then deletes the rows its completed items had written.
        @Test func cancelStopsARunAndPruneRemovesItsRows() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let slow = try CLI.start(CommandLine.runArgs + ["--workers", "1", "--chunk-size", "10"], databaseURL: db.url, holdMs: 400)
            try CommandLine.waitFor("two items to complete") {
                (try? db.scalar("SELECT count(*) FROM forecast.work_items WHERE state = 'completed'", as: Int.self)) ?? 0 >= 2
            }
            let runID = try db.scalar("SELECT id FROM forecast.runs", as: Int64.self)
            let cancel = try CLI.run(["cancel", "--run", String(runID), "--reason", "drill"], databaseURL: db.url)
            #expect(cancel.status == 0, "\(cancel.stderr)")
            #expect(cancel.stdout.hasPrefix("cancel: run \(runID) was running, now failed;"), "\(cancel.stdout)")
            let result = CLI.finish(slow)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("cancelled by ") && result.stderr.contains(": drill"), "\(result.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == 0)
            let orphans = try db.scalar(Query("SELECT count(*) FROM forecast.forecasts WHERE run_id = \(runID)"), as: Int.self)
            #expect(orphans > 0)
            let again = try CLI.run(["cancel", "--run", String(runID), "--reason", "again"], databaseURL: db.url)
            #expect(again.status == 64)
            #expect(again.stderr == "forecastctl: error: run \(runID) is failed; only a queued or running run can be cancelled\n")
            let prune = try CLI.run(["prune"], databaseURL: db.url)
            #expect(prune.status == 0, "\(prune.stderr)")
            #expect(prune.stdout.contains("prune: run \(runID): \(orphans) rows deleted"), "\(prune.stdout)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == 0)
        }

        /// `status` shows held items and heartbeat age, and marks a run nobody works on any more
        /// (no sign of work for two leases) as abandoned instead of a healthy "running".
        @Test func statusMarksAnAbandonedRun() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let victim = try CLI.start(
                CommandLine.runArgs + [
                    "--workers", "1", "--chunk-size", "10", "--lease-seconds", "1",
                    "--heartbeat-seconds", "0.3",
                ], databaseURL: db.url, holdMs: 60000)
            try CommandLine.waitFor("an item to be held") {
                (try? db.scalar("SELECT count(*) FROM forecast.work_items WHERE state = 'running'", as: Int.self)) == 1
            }
            let alive = try CLI.run(["status"], databaseURL: db.url)
            #expect(alive.stdout.contains("running (idle "), "\(alive.stdout)")
            #expect(alive.stdout.contains(" s ago"), "\(alive.stdout)")
            kill(victim.0.processIdentifier, SIGKILL)
            _ = CLI.finish(victim)
            try CommandLine.waitFor("the run to look abandoned", timeout: 20) {
                try db.scalar("SELECT abandoned FROM forecast.run_summary", as: Bool.self)
            }
            let dead = try CLI.run(["status"], databaseURL: db.url)
            #expect(dead.stdout.contains("ABANDONED (idle "), "\(dead.stdout)")
        }

        /// Fewer workers than asked for (connections exhausted) is said at the default log level,
        /// not silent; the run still publishes with the workers that started. Each item is held
        /// 300 ms (the drill binary) so that no worker finishes, and frees its connection for a
        /// late starter, before all six have tried to connect.
        @Test func workersThatCannotConnectAreReported() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 10, locations: 2)
            let result = CLI.finish(
                try CLI.start(
                    CommandLine.runArgs + ["--workers", "6", "--chunk-size", "2"],
                    databaseURL: try db.workerURL(options: "CONNECTION LIMIT 3"), holdMs: 300))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("2 of 6 workers ran; 4 could not start"), "\(result.stderr)")
            #expect(result.stderr.contains("too many connections for role"), "\(result.stderr)")
        }

        /// A session squatting on a cutoff's lock no longer makes `run` hang silently: after a
        /// bounded wait it exits 75 naming the backend that holds it. The lock is a row of
        /// `forecast.cutoff_locks`, which only the project's roles may lock.
        @Test func aHeldCutoffLockIsNamedNotWaitedOnForever() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 5, locations: 1)
            let squatter = try db.connect()
            defer { squatter.close() }
            // Only the project's roles can lock a cutoff: a reader's session cannot.
            try squatter.execute("BEGIN")
            try squatter.execute("SET LOCAL ROLE forecast_reader")
            #expect(Integration.Privileges.sqlState(squatter, "SELECT * FROM forecast.cutoff_locks FOR UPDATE") == "42501")
            try squatter.execute("ROLLBACK")
            // A session of the owner (or the worker role) holding the row for the cutoff.
            try squatter.execute("BEGIN")
            try squatter.execute("INSERT INTO forecast.cutoff_locks VALUES ('day', '2026-11-27')")
            let started = Date()
            let result = try CLI.run(CommandLine.runArgs, databaseURL: db.url)
            #expect(result.status == 75, "\(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 30)
            #expect(
                result.stderr.contains("the lock of cutoff 2026-11-27 (row of forecast.cutoff_locks) is held by backend \(squatter.backendPID)"),
                "\(result.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 0)
            try squatter.execute("COMMIT")
            // Advisory locks no longer matter (any session may take any of them): the key the
            // cutoff's lock used to be is held, and the run goes ahead.
            let formerKey = 0x0F0C_0000_0000 + Int64(Fixtures.end.daysSince2000) * 2
            try squatter.execute(Query("SELECT pg_advisory_lock(\(formerKey))"))
            let after = try CLI.run(CommandLine.runArgs, databaseURL: db.url)
            #expect(after.status == 0, "\(after.stderr)")
        }

        /// Every number is checked (finite, in range) and a future as-of refused before a run row
        /// exists: exit 64 with one line, and the cutoff is not wedged by a half-made run.
        @Test func badNumbersAndAFutureAsOfAreRefusedBeforeAnythingIsWritten() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let base = ["run", "--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z"]
            let cases: [([String], String)] = [
                (["--force", "--lease-seconds", "1e17"], "--lease-seconds must be between 1 and 86400, got 1e+17"),
                (["--lease-seconds", "inf"], "--lease-seconds must be between 1 and 86400, got inf"),
                (["--stale-sla-hours", "nan"], "--stale-sla-hours must be between 0 and 8760 (a year), got nan"),
                (["--stale-sla-hours", "1e9"], "--stale-sla-hours must be between 0 and 8760 (a year), got 1000000000.0"),
                (["--min-volume-ratio", "nan"], "--min-volume-ratio must be between 0 and 1, got nan"),
                (["--horizon", "-5"], "--horizon must be between 1 and 3660, got -5"),
                (["--level", "nan"], "--level must be between 0 and 1, got nan"),
            ]
            for (flags, message) in cases {
                let r = try CLI.run(base + flags, databaseURL: db.url)
                #expect(r.status == 64, "\(flags): \(r.stderr)")
                #expect(r.stderr == "forecastctl: error: \(message)\n", "\(flags)")
            }
            let future = try CLI.run(
                ["run", "--cutoff", "2027-06-01", "--as-of", "2027-06-02T00:00:00Z", "--stale-sla-hours", "100"],
                databaseURL: db.url)
            #expect(future.status == 64)
            #expect(future.stderr.hasPrefix("forecastctl: error: --as-of 2027-06-02"), "\(future.stderr)")
            #expect(future.stderr.contains("is in the future"), "\(future.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 0)
        }
    }
}
