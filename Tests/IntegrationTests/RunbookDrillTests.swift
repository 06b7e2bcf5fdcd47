import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 11, item 7: the runbook's procedures drilled. Each situation is made real on a demo
/// database (a restated day, a run whose process was killed, a drifted price feed, a production
/// version worse than the one before, a lost primary), then the procedure in ops/RUNBOOK.md is run
/// word for word and the outcome it promises is checked.
extension Alone {
    @Suite struct RunbookDrillTests {
        typealias Procedures = Integration.RunbookProcedureTests

        static func scratch() throws -> URL {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drill-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return dir
        }

        static func served(_ db: TestDatabase) throws -> Int64 {
            try db.scalar("SELECT run_id FROM forecast.served_runs WHERE frequency = 'day'", as: Int64.self)
        }

        @Test func verifyLateDataStuckRunAndRetention() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            try db.moveLoads()
            let dir = try Self.scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(try CLI.run(["run", "--cutoff", "2026-11-26", "--no-progress"], databaseURL: db.url).status == 0)
            let first = try Self.served(db)
            let extra = ["run": ["--no-progress"]]
            var runner = Procedures.Runner(db: db, dir: dir, values: ["<run-id>": String(first), "yesterday": "2026-11-26", "<why>": "drill"])

            // Verify a run: published, rows = series x horizon, served, fresh.
            let verify = try runner.run(try Procedures.procedure("Verify a run"), extra: extra)
            #expect(verify.count == 5 && verify[0].contains("published"), "\(verify[0])")
            #expect(try db.scalar(Query("SELECT row_count = series_count * horizon FROM forecast.runs WHERE id = \(first)"), as: Bool.self))

            // Late data: the cutoff's day was restated after the run.
            try db.execute("UPDATE demand.sales SET qty = qty + 5, loaded_at = clock_timestamp() WHERE ds = '2026-11-26'")
            let late = try runner.run(try Procedures.procedure("Late data"), extra: extra)
            #expect(late.count == 4 && late[3].hasPrefix("evaluate: "), "\(late)")
            let rerun = try Self.served(db)
            #expect(rerun != first)
            #expect(try db.scalar(Query("SELECT status FROM forecast.runs WHERE id = \(first)"), as: String.self) == "superseded")
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*)::int FROM forecast.latest l JOIN demand.sales s USING (item_id, location_id)
                        WHERE l.run_id = \(rerun) AND s.ds = '2026-11-26'
                        """), as: Int.self) > 0)

            // Stuck run: its process was killed mid-item; nobody works it.
            let stuck = try CLI.start(
                ["run", "--cutoff", "2026-11-27", "--workers", "1", "--chunk-size", "2", "--no-progress"],
                databaseURL: db.url, holdMs: 3000)
            try Exclusive.DaemonTests.waitFor("the run to hold an item", seconds: 60) {
                try db.scalar(
                    "SELECT count(*)::int FROM forecast.work_items w JOIN forecast.runs r ON r.id = w.run_id WHERE r.cutoff = '2026-11-27' AND w.state = 'running'",
                    as: Int.self) > 0
            }
            kill(stuck.0.processIdentifier, SIGKILL)
            _ = CLI.finish(stuck)
            let stuckID = try db.scalar("SELECT id FROM forecast.runs WHERE cutoff = '2026-11-27'", as: Int64.self)
            runner.values["<run-id>"] = String(stuckID)
            runner.values["yesterday"] = "2026-11-27"
            _ = try runner.run(try Procedures.procedure("Stuck run"), extra: extra)
            #expect(try db.scalar(Query("SELECT status || ': ' || error FROM forecast.runs WHERE id = \(stuckID)"), as: String.self).hasPrefix("failed: "))
            let redone = try Self.served(db)
            let redoneCutoff = try db.scalar(Query("SELECT cutoff::text FROM forecast.runs WHERE id = \(redone)"), as: String.self)
            #expect(redone != stuckID && redoneCutoff == "2026-11-27")

            // Retention: with a 1-day objective, the superseded and the failed run may go.
            try db.execute("UPDATE forecast.service_objectives SET retention_days = 1 WHERE frequency = 'day'")
            let retention = try runner.run(try Procedures.procedure("Retention"), extra: extra)
            #expect(retention[0].hasPrefix("retention: ") && retention[0].contains("2 may go"), "\(retention[0])")
            #expect(retention[1].contains("retention: dropped 2 of 2"), "\(retention[1])")
            #expect(
                try db.scalar("SELECT string_agg(key::text, ',' ORDER BY key) FROM forecast.retention_events", as: String.self)
                    == "\(first),\(stuckID)")
            #expect(try Self.served(db) == redone)
        }

        @Test func driftAlertAndAccuracyDegradation() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 24, locations: 3)
            try db.moveLoads()
            // The loads moved to an hour ago: the runs read them as of now (as the runbook's `run` does).
            let now = PostgresTimestamp(unixSeconds: Date().timeIntervalSince1970)
            let dir = try Self.scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            let thresholds = dir.appendingPathComponent("monitoring.json")
            try Data(#"{"min_segment_series": 5}"#.utf8).write(to: thresholds)
            let extra = ["run": ["--no-progress", "--monitor-thresholds", thresholds.path]]
            for day in ["2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18"] {
                _ = try Integration.MonitoringTests.nightly(db, day, asOf: now)
            }
            // A bad load: one category's prices tripled from 2026-11-19.
            let category = try db.scalar("SELECT category FROM demand.items GROUP BY category ORDER BY count(*) DESC, category LIMIT 1", as: String.self)
            try Integration.MonitoringTests.triplePrices(db, category: category)
            let drifted = try Integration.MonitoringTests.nightly(db, "2026-11-19", asOf: now)
            #expect(drifted.monitor?.alerts.opened.map(\.rule) == ["drift.price"])
            var runner = Procedures.Runner(db: db, dir: dir, values: ["<run-id>": String(drifted.runID), "yesterday": "2026-11-19", "<why>": "drill"])
            let drift = try Procedures.procedure("Drift alert")
            #expect(drift.count == 4)
            _ = try runner.run(Array(drift.prefix(2)), extra: extra)
            // Not real: the feed is fixed, then the cutoff is rerun and the alert resolves.
            try db.execute("DELETE FROM demand.prices WHERE ds = '2026-11-19' AND known_at = '2026-11-01'")
            _ = try runner.run(Array(drift.dropFirst(2)), extra: extra)
            #expect(try Integration.MonitoringTests.alerts(db, "drift.price") == ["critical resolved x1"])

            // Accuracy degradation: production 1.1.0 replaced a better 1.0.0.
            let good = try Registry.train(db, "moving_average", label: "good", asOf: now)
            _ = try ModelStages.promote(good.version, to: .production, force: false, reason: "drill", on: try db.connect())
            let worse = try Registry.train(db, "naive", label: "worse", asOf: now)
            _ = try ModelStages.promote(worse.version, to: .production, force: true, reason: "drill", on: try db.connect())
            _ = try Registry.serve(db, horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!, asOf: now)
            runner.values["yesterday"] = "2026-11-20"
            let accuracy = try runner.run(try Procedures.procedure("Accuracy degradation"), extra: extra)
            #expect(accuracy.count == 5 && accuracy[0].hasPrefix("evaluate: "), "\(accuracy)")
            #expect(accuracy[3].hasPrefix("rollback: \(good.version) is production again (day)"), "\(accuracy[3])")
            #expect(
                try db.scalar("SELECT min(model_version) || '/' || max(model_version) FROM forecast.latest", as: String.self)
                    == "\(good.version)/\(good.version)")
        }

        @Test func databaseFailover() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            try db.moveLoads()
            let dir = try Self.scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(try CLI.run(["run", "--cutoff", "2026-11-26", "--no-progress"], databaseURL: db.url).status == 0)
            let env = [
                "PRIMARY_URL": db.url, "PG_STANDBY_DIR": dir.appendingPathComponent("standby").path,
                "PG_STANDBY_PORT": String(31_400 + Int(getpid() % 300)),
            ]
            let started = try Shell.run(["ops/scripts/pg-standby.sh", "start"], env: env)
            defer { _ = try? Shell.run(["ops/scripts/pg-standby.sh", "destroy"], env: env) }
            #expect(started.status == 0, "\(started.stderr)")
            let standby = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            var runner = Procedures.Runner(db: db, dir: dir, values: ["yesterday": "2026-11-27"], scriptEnv: env)
            let failover = try Procedures.procedure("Database failover")
            #expect(failover.count == 5)
            // The primary is lost here: the two script lines act on the replica, the rest run on it.
            let before = try runner.run(Array(failover.prefix(2)), extra: [:])
            #expect(before[0].hasPrefix("in recovery: true, bytes not replayed: "), "\(before[0])")
            runner.url = standby
            let after = try runner.run(Array(failover.dropFirst(2)), extra: ["run": ["--no-progress"]])
            #expect(after[0].contains("up to date"), "\(after[0])")
            let promoted = try Connection.connect(standby)
            defer { promoted.close() }
            let served = try #require(try promoted.query("SELECT cutoff::text AS c FROM forecast.served_runs WHERE frequency = 'day'").first)
            #expect(try served.decode("c", as: String.self) == "2026-11-27")
            // The old primary did not see that run.
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.runs WHERE cutoff = '2026-11-27'", as: Int.self) == 0)
        }
    }
}
