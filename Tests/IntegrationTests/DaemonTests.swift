import Foundation
import Postgres
import Testing

@testable import Pipeline

extension RunRequests {
    /// Polls a run request until its run is published or failed (or `seconds` pass): that status,
    /// else the last one seen ("waiting" before a run exists).
    static func waitForOutcome(_ request: Int64, seconds: Double, on c: Connection) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var status = ""
        while Date() < deadline {
            status = try c.query(
                Query(
                    """
                    SELECT coalesce(r.status, 'waiting') AS s FROM forecast.run_requests q LEFT JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = \(request)
                    """)
            ).first!.decode("s", as: String.self)
            if status == "published" || status == "failed" { break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return status
    }
}

/// Issue 11, worker daemons: a run enqueued by SQL is done by daemons that were idle; SIGTERM
/// mid-item loses nothing (another daemon does the item) and the daemon exits cleanly.
extension Exclusive {
    @Suite struct DaemonTests {
        static func waitFor(_ what: String, seconds: Double = 90, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return }
                Thread.sleep(forTimeInterval: 0.2)
            }
            Issue.record("timed out waiting for \(what)")
        }

        /// GET over a plain socket: (status code, body).
        static func get(port: Int, _ path: String) throws -> (status: Int, body: String) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { throw PipelineError.configuration("cannot connect to port \(port)") }
            let request = Array("GET \(path) HTTP/1.0\r\n\r\n".utf8)
            _ = request.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            var response = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                response += chunk[0..<n]
            }
            let text = String(decoding: response, as: UTF8.self)
            let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
            let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            return (status, body)
        }

        @Test func idleDaemonsTakeAnEnqueuedRunAndAStoppedOneLosesNothing() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            try db.moveLoads()
            // Two idle daemons, small work items held 1.5 s each so that one can be stopped mid-item.
            let args = ["worker", "--workers", "1", "--poll-seconds", "30", "--chunk-size", "2"]
            let port = try TestPorts.free(.daemonHTTP)
            let a = try CLI.start(args, databaseURL: db.url, holdMs: 1500)
            let b = try CLI.start(args + ["--http-port", String(port)], databaseURL: db.url, holdMs: 1500)
            defer { [a, b].forEach { if $0.0.isRunning { $0.0.terminate() } } }
            Thread.sleep(forTimeInterval: 1.5)
            // The schedule: enqueued twice (a scheduler firing twice), one request, woken by NOTIFY.
            let first = try db.scalar("SELECT forecast.enqueue_run('2026-11-27', 'day', 7)", as: Int64.self)
            #expect(try db.scalar("SELECT forecast.enqueue_run('2026-11-27', 'day', 7)", as: Int64.self) == first)
            #expect(try db.scalar("SELECT count(*) FROM forecast.run_requests", as: Int.self) == 1)
            // Daemon A holds an item: stop it mid-item, with SIGHUP (issue 29, finding 13: it used to
            // kill the daemon at once, and the item waited out its lease); SIGTERM is stopped below.
            let pidA = a.0.processIdentifier
            try Self.waitFor("daemon A to hold an item", seconds: 30) {
                try db.scalar(Query("SELECT count(*) FROM forecast.work_items WHERE state = 'running' AND attempted_by LIKE \("%:\(pidA)-%")"), as: Int.self)
                    > 0
            }
            kill(pidA, SIGHUP)
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
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.work_items WHERE run_id = \(run) AND state = 'completed' AND attempted_by NOT LIKE \("%:\(pidA)-%")
                          AND errors::text LIKE '%worker stopping%'
                        """), as: Int.self) >= 1)
            try Self.waitFor("the request to be done", seconds: 20) {
                try db.scalar("SELECT state || ' ' || (run_id IS NOT NULL) FROM forecast.run_requests", as: String.self) == "completed true"
            }
            // B's /metrics match the database; /healthz and /readyz answer, and readiness fails when
            // a migration is missing.
            let metrics = try Self.get(port: port, "/metrics")
            #expect(metrics.status == 200)
            let rows = try db.scalar(Query("SELECT row_count FROM forecast.runs WHERE id = \(run)"), as: Int.self)
            #expect(metrics.body.contains("forecast_rows_written{frequency=\"day\",status=\"published\"} \(Double(rows))"), "\(metrics.body)")
            #expect(metrics.body.contains("forecast_runs{frequency=\"day\",status=\"published\"} 1.0"))
            #expect(metrics.body.contains("forecast_work_items{state=\"completed\"} \(Double(series / 2))"))
            #expect(metrics.body.contains("forecast_daemon_"), "B's own counters (requests taken or runs joined)")
            // Issue 31, item 6: every metric has its HELP line (promtool's lint rule), the build and
            // the process are described, and freshness is a gauge per frequency.
            let lines = metrics.body.split(separator: "\n").map(String.init)
            let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
            let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
            #expect(typed.count >= 20 && typed.allSatisfy(helped.contains), "without HELP: \(typed.filter { !helped.contains($0) })")
            #expect(metrics.body.contains("forecast_build_info{version=\"\(CodeVersion.current)\"} 1.0"), "\(metrics.body)")
            for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds"] {
                #expect(lines.contains { $0.hasPrefix(name + " ") }, "\(name)")
            }
            #expect(metrics.body.contains("forecast_freshness_stale{frequency=\"day\"} 0.0"), "\(metrics.body)")
            #expect(try Self.get(port: port, "/healthz").status == 200)
            #expect(try Self.get(port: port, "/readyz").status == 200)
            try db.execute("DELETE FROM forecast.schema_migrations WHERE version = (SELECT max(version) FROM forecast.schema_migrations)")
            let notReady = try Self.get(port: port, "/readyz")
            #expect(notReady.status == 503 && notReady.body.contains("pending migrations"), "\(notReady.body)")
            kill(b.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(b).status == 0)
        }

        /// A stale feed blocks the daemon's run before anything is written; the request fails with
        /// the rule's message and names the failed run (it was linked when the run was created).
        @Test func aRequestBlockedByAContractNamesItsFailedRun() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 2)
            // Newest load 3 days ago: past the daily freshness SLA (36 h) whatever the date.
            try db.moveLoads(newestAgo: "3 days")
            let daemon = try CLI.start(["worker", "--workers", "1", "--poll-seconds", "1"], databaseURL: db.url)
            defer { if daemon.0.isRunning { daemon.0.terminate() } }
            let request = try db.scalar("SELECT forecast.enqueue_run('2026-11-27', 'day', 7)", as: Int64.self)
            try Self.waitFor("the request to fail", seconds: 60) {
                try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "failed"
            }
            let error = try db.scalar(Query("SELECT error FROM forecast.run_requests WHERE id = \(request)"), as: String.self)
            #expect(error.hasPrefix("blocked by 1 data contract: sales_stale_source (demand.sales)"), "\(error)")
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT r.status || ' ' || (r.error = q.error) || ' ' || r.cutoff FROM forecast.run_requests q JOIN forecast.runs r ON r.id = q.run_id
                        WHERE q.id = \(request)
                        """), as: String.self) == "failed true 2026-11-27")
            #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == 0)
            // Issue 31, item 5: the feed is fixed, the request is put back without SQL, and the daemon publishes it.
            let early = try CLI.run(["requeue", "--run-request", String(request + 1), "--reason", "feed fixed"], databaseURL: db.url)
            #expect(early.status == 64 && early.stderr.contains("no run request \(request + 1)"), "\(early.stderr)")
            try db.moveLoads()
            // Without a reason, or as the reader role, nothing changes.
            let unexplained = try CLI.run(["requeue", "--run-request", String(request)], databaseURL: db.url)
            #expect(unexplained.status == 64 && unexplained.stderr.contains("Missing expected argument '--reason <reason>'"), "\(unexplained.stderr)")
            let reader = try CLI.run(["requeue", "--run-request", String(request), "--reason", "x"], databaseURL: try db.readerURL())
            #expect(reader.status == 78 && reader.stderr.contains("[42501]") && reader.stderr.contains("permission denied"), "\(reader.stderr)")
            #expect(try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "failed")
            let requeued = try CLI.run(["requeue", "--run-request", String(request), "--reason", "sales feed reloaded, 'é́'"], databaseURL: db.url)
            #expect(requeued.status == 0 && requeued.stdout == "requeue: run request \(request) was failed, now available\n", "\(requeued.stderr)")
            // The event keeps who, why and the error the requeue cleared.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT from_state || '>' || to_state || '|' || reason || '|' || (db_role = session_user) || '|' || (os_user IS NOT NULL) || '|'
                               || left(previous_error, 40)
                        FROM forecast.queue_events WHERE queue = 'run_requests' AND request_id = \(request)
                        """), as: String.self)
                    == "failed>available|sales feed reloaded, 'é́'|true|true|blocked by 1 data contract: sales_stale_")
            try Self.waitFor("the requeued request to be done", seconds: 60) {
                try db.scalar(Query("SELECT state FROM forecast.run_requests WHERE id = \(request)"), as: String.self) == "completed"
            }
            #expect(
                try db.scalar(
                    Query("SELECT r.status FROM forecast.run_requests q JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = \(request)"), as: String.self)
                    == "published")
            let twice = try CLI.run(["requeue", "--run-request", String(request), "--reason", "again"], databaseURL: db.url)
            #expect(twice.status == 64 && twice.stderr.contains("run request \(request) is completed, not failed"), "\(twice.stderr)")
            // A retrain request left running by a dead process needs --stuck; then it waits again.
            let retrain = try db.scalar(
                "INSERT INTO forecast.retrain_requests (frequency, rule, reason, state, started_at) VALUES ('day', 'schedule', 'test', 'running', now()) RETURNING id",
                as: Int64.self)
            let unsure = try CLI.run(["requeue", "--retrain-request", String(retrain), "--reason", "host rebooted"], databaseURL: db.url)
            #expect(unsure.status == 64 && unsure.stderr.contains("is running, not failed: if its process died, say so with --stuck"), "\(unsure.stderr)")
            #expect(try CLI.run(["requeue", "--retrain-request", String(retrain), "--stuck", "--reason", "host rebooted"], databaseURL: db.url).status == 0)
            #expect(try db.scalar(Query("SELECT state FROM forecast.retrain_requests WHERE id = \(retrain)"), as: String.self) == "available")
            // Events: the two requeues only (the daemon's own hand-backs and a refused requeue record nothing);
            // one by hand-written SQL is recorded too, without a reason it can know.
            try db.execute(Query("UPDATE forecast.retrain_requests SET state = 'failed' WHERE id = \(retrain)"))
            try db.execute(Query("UPDATE forecast.retrain_requests SET state = 'available' WHERE id = \(retrain)"))
            #expect(
                try db.scalar(
                    "SELECT string_agg(queue || ':' || from_state || ':' || reason, ', ' ORDER BY id) FROM forecast.queue_events", as: String.self)
                    == "run_requests:failed:sales feed reloaded, 'é́', retrain_requests:running:host rebooted, "
                    + "retrain_requests:failed:(no reason given: not requeued by forecastctl)")
            // Nobody but the owner's trigger writes events, the worker role included.
            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            #expect(throws: PostgresError.self) {
                try worker.execute(
                    "INSERT INTO forecast.queue_events (queue, request_id, from_state, to_state, reason) VALUES ('run_requests', 1, 'failed', 'available', 'forged')"
                )
            }
            #expect(throws: PostgresError.self) { try worker.execute("DELETE FROM forecast.queue_events") }
            kill(daemon.0.processIdentifier, SIGTERM)
            #expect(CLI.finish(daemon).status == 0)
        }
    }
}
