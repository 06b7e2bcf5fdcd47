import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 11, item 4: the stack without containers. ops/scripts/stack.sh starts what
/// docker-compose.yml runs (migrate, the pg_cron schedule, N worker daemons with /metrics and
/// /readyz) from the same binary; a run enqueued in SQL is done by them, and `stop` ends each with
/// SIGTERM and exit 0. The systemd units in ops/systemd pass `systemd-analyze verify`.
extension Exclusive {
    @Suite struct StackTests {
        @Test func theStackRunsWithoutContainersAndStopsCleanly() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            try db.moveLoads()
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(getpid())").path
            let port = try TestPorts.free(.stackHTTP, count: 2)
            let env = [
                "DATABASE_URL": db.url, "STACK_DIR": dir, "STACK_HTTP_PORT": String(port), "STACK_POLL_SECONDS": "1",
                "FORECAST_SQL_DIR": TestDatabase.sql.url.path,
            ]
            let c = try db.connect()
            defer {
                _ = try? Shell.run(["ops/scripts/stack.sh", "stop"], env: env)
                // The job lives in pg_cron's database (cron.database_name: postgres), not in this one.
                var cronDatabase = URLComponents(string: db.adminURL)
                cronDatabase?.path = "/postgres"
                if let url = cronDatabase?.string, let admin = try? Connection.connect(url) {
                    _ = try? admin.execute(
                        Query(
                            "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = ANY(\(["daily", "evaluate", "monitor", "retrain"].map { "forecast-\($0)-\(db.name)" }))"
                        ))
                    admin.close()
                }
                c.close()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let started = try Shell.run(["ops/scripts/stack.sh", "start", "2", CLI.binary], env: env)
            #expect(started.status == 0, "\(started.stdout)\(started.stderr)")
            #expect(started.stdout.contains("worker 1 pid") && started.stdout.contains("worker 2 pid"), "\(started.stdout)")
            // The schedule is pg_cron jobs of this database (the test cluster preloads pg_cron).
            #expect(
                started.stdout.contains(
                    "scheduled with pg_cron: the nightly run 02:30, evaluate 06:00, monitor 06:30, retrain Sundays 04:00 (UTC; jobs forecast-*-\(db.name))"),
                "\(started.stdout)")
            if let url = Optional(db.adminURL).flatMap({ u -> String? in
                var cron = URLComponents(string: u)
                cron?.path = "/postgres"
                return cron?.string
            }) {
                let admin = try Connection.connect(url)
                defer { admin.close() }
                #expect(
                    try admin.query(Query("SELECT count(*)::int AS n FROM cron.job WHERE jobname LIKE \("forecast-%-\(db.name)")")).first!.decode(
                        "n", as: Int.self)
                        == 4)
            }

            let request = try c.query("SELECT forecast.enqueue_run('2026-11-27', 'day', 7) AS id").first!.decode("id", as: Int64.self)
            let status = try RunRequests.waitForOutcome(request, seconds: 90, on: c)
            #expect(status == "published")
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.latest", as: Int.self) == 12 * 7)

            let health = try Shell.run(["ops/scripts/stack.sh", "status"], env: env)
            #expect(health.status == 0 && health.stdout.components(separatedBy: "/readyz 200 ").count == 3, "\(health.stdout)")
            let stopped = try Shell.run(["ops/scripts/stack.sh", "stop"], env: env)
            #expect(stopped.status == 0, "\(stopped.stderr)")
            #expect(stopped.stdout.components(separatedBy: "stopped: worker: stopped after").count == 3, "\(stopped.stdout)")
        }

        /// Issue 29, finding 8: the compose daemons ran as the superuser, their port on every
        /// interface. The check passes on the files as shipped and fails on the old compose file.
        @Test func theDeploymentFilesKeepTheDaemonsOffTheOwnerRole() throws {
            let ok = try Shell.run(["-c", "python3 ops/scripts/compose-check.py"])
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            #expect(ok.stdout.contains("connect as forecast_daemon, forecast_watch (not the owner forecast)"), "\(ok.stdout)")
            #expect(ok.stdout.contains("the monitor pass only in monitor, which takes no runs"), "\(ok.stdout)")
            let old = FileManager.default.temporaryDirectory.appendingPathComponent("compose-\(getpid()).yml")
            defer { try? FileManager.default.removeItem(at: old) }
            let compose = try String(contentsOf: Shell.root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
            try compose.replacingOccurrences(of: "postgresql://forecast_daemon@", with: "postgresql://forecast@")
                .replacingOccurrences(of: "    command: [\"worker\"", with: "    ports: [\"9464:9464\"]\n    command: [\"worker\"")
                .write(to: old, atomically: true, encoding: .utf8)
            let bad = try Shell.run(["-c", "python3 ops/scripts/compose-check.py \"$1\"", "check", old.path])
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("worker: connects as forecast, the schema owner (POSTGRES_USER)"), "\(bad.stderr)")
            #expect(bad.stderr.contains("worker: publishes ports"), "\(bad.stderr)")
            // The login that publishes may not be the one that records the alerts about it.
            try compose.replacingOccurrences(of: "GRANT forecast_worker TO forecast_daemon;", with: "GRANT forecast_monitor TO forecast_daemon;")
                .write(to: old, atomically: true, encoding: .utf8)
            let merged = try Shell.run(["-c", "python3 ops/scripts/compose-check.py \"$1\"", "check", old.path])
            #expect(merged.status == 1)
            #expect(
                merged.stderr.contains("worker: forecast_daemon is in forecast_monitor and takes runs (the login that publishes could resolve its alerts)"),
                "\(merged.stderr)")
        }

        @Test func theSystemdUnitsVerify() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(getpid())")
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let source = Shell.root.appendingPathComponent("ops/systemd")
            var units: [String] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path).sorted() {
                let text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
                    .replacingOccurrences(of: "/usr/local/bin/forecastctl", with: CLI.binary)
                    .replacingOccurrences(of: "/etc/forecast/", with: dir.path + "/")
                let target = name.hasSuffix(".env.example") ? String(name.dropLast(".example".count)) : name.replacingOccurrences(of: "@.", with: "@1.")
                try text.write(to: dir.appendingPathComponent(target), atomically: true, encoding: .utf8)
                if target.hasSuffix(".service") || target.hasSuffix(".timer") { units.append("./" + target) }
            }
            #expect(units.count == 9)
            let verify = try Shell.run(["-c", "cd '\(dir.path)' && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \"$@\"", "verify"] + units)
            #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify.stderr)")
        }
    }
}
