import Foundation
import Postgres
import Testing

@testable import Pipeline

/// The real binary in real processes: crashes, concurrency, exit codes.
extension Timed {
    @Suite struct CommandLine {
        static let runArgs = ["run", "--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--horizon", "14", "--no-progress"]

        static func waitFor(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if try condition() { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw PipelineError.configuration("timed out waiting for \(what)")
        }

        @Test func workerKilledWithSIGKILLMidRunStillCompletesExactlyOnce() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let series = try Integration.Runs.expectedSeries(db)
            // A slow leader (1 worker) so that the joiner gets items; short leases so the rescue is quick.
            let leader = try CLI.start(
                Self.runArgs + [
                    "--workers", "1", "--chunk-size", "5", "--lease-seconds", "2",
                    "--heartbeat-seconds", "0.5",
                ], databaseURL: db.url, holdMs: 150)
            try Self.waitFor("the run to start") {
                (try? db.scalar("SELECT count(*) FROM forecast.runs WHERE status = 'running'", as: Int.self)) == 1
            }
            let runID = try db.scalar("SELECT id FROM forecast.runs", as: Int64.self)
            let victim = try CLI.start(["work", "--run", String(runID), "--workers", "1"], databaseURL: db.url, holdMs: 60000)
            let pid = victim.0.processIdentifier
            try Self.waitFor("the joiner to hold an item") {
                try db.scalar(Query("SELECT count(*) FROM forecast.work_items WHERE state = 'running' AND attempted_by LIKE \("%:\(pid)-%")"), as: Int.self)
                    == 1
            }
            let heldChunk = try db.scalar(
                Query("SELECT chunk FROM forecast.work_items WHERE state = 'running' AND attempted_by LIKE \("%:\(pid)-%")"), as: Int.self)
            kill(pid, SIGKILL)
            let killed = CLI.finish(victim)
            #expect(killed.status == 9 || killed.status == 137 || victim.0.terminationReason == .uncaughtSignal)
            let result = CLI.finish(leader)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("run \(runID) published"))
            #expect(try db.scalar(Query("SELECT status FROM forecast.runs WHERE id = \(runID)"), as: String.self) == "published")
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == series * 14)
            #expect(try db.scalar("SELECT count(*) FROM (SELECT DISTINCT item_id, location_id, ds FROM forecast.forecasts) d", as: Int.self) == series * 14)
            #expect(try db.scalar(Query("SELECT attempt FROM forecast.work_items WHERE run_id = \(runID) AND chunk = \(heldChunk)"), as: Int.self) >= 2)
            #expect(
                try db.scalar(
                    Query("SELECT attempted_by NOT LIKE \("%:\(pid)-%") FROM forecast.work_items WHERE run_id = \(runID) AND chunk = \(heldChunk)"),
                    as: Bool.self))
        }

        @Test func twoConcurrentRunCommandsPublishOneRun() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let series = try Integration.Runs.expectedSeries(db)
            let a = try CLI.start(Self.runArgs + ["--chunk-size", "10"], databaseURL: db.url)
            let b = try CLI.start(Self.runArgs + ["--chunk-size", "10"], databaseURL: db.url)
            let ra = CLI.finish(a), rb = CLI.finish(b)
            #expect(ra.status == 0, "\(ra.stderr)")
            #expect(rb.status == 0, "\(rb.stderr)")
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs", as: Int.self) == 1)
            #expect(try db.scalar("SELECT count(*) FROM forecast.runs WHERE status = 'published'", as: Int.self) == 1)
            #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == series * 14)
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == series * 14)
        }

        @Test func blockedRunExitsSixtyFiveWithOneLine() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            try db.execute(
                "DROP INDEX demand.sales_series_ds_key; INSERT INTO demand.sales SELECT * FROM (SELECT * FROM demand.sales ORDER BY item_id, location_id, ds LIMIT 1) s"
            )
            let r = try CLI.run(Self.runArgs, databaseURL: db.url)
            #expect(r.status == 65)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(
                r.stderr.hasPrefix(
                    "forecastctl: error: blocked by 1 data contract: sales_duplicate_keys (demand.sales): 1 violation, e.g. {\"item_id\":\"I000001\""))
            #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == 0)
            let check = try CLI.run(["check", "--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z"], databaseURL: db.url)
            #expect(check.status == 65)
            let row = check.stdout.split(separator: "\n").first { $0.hasPrefix("sales_duplicate_keys ") }.map {
                $0.split(separator: " ").joined(separator: " ")
            }
            #expect(row?.hasPrefix("sales_duplicate_keys demand.sales block 1 ") == true, "\(check.stdout)")
        }

        @Test func badInputGivesOneClearLineAndDocumentedExitCode() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let notMigrated = try CLI.run(Self.runArgs, databaseURL: db.url)
            #expect(notMigrated.status == 78)
            #expect(notMigrated.stderr == "forecastctl: error: migrations: database is not migrated; run `forecastctl migrate` first\n")
            let badURL = try CLI.run(Self.runArgs, databaseURL: "postgresql://%zz")
            #expect(badURL.status == 69)
            #expect(badURL.stderr == "forecastctl: error: cannot connect to PostgreSQL: invalid percent-encoded token: \"%zz\"\n")
            let refused = try CLI.run(Self.runArgs, databaseURL: "postgresql://nobody@127.0.0.1:1/x")
            #expect(refused.status == 69)
            #expect(refused.stderr.split(separator: "\n").count == 1)
            let badFlag = try CLI.run(["run", "--cutoff", "2026-02-30"], databaseURL: db.url)
            #expect(badFlag.status == 64)
            #expect(badFlag.stderr.contains("The value '2026-02-30' is invalid for '--cutoff <cutoff>'"))
            let badHorizon = try CLI.run(["run", "--cutoff", "2026-11-27", "--horizon", "0"], databaseURL: db.url)
            #expect(badHorizon.status == 64)
            #expect(badHorizon.stderr == "forecastctl: error: --horizon must be between 1 and 3660, got 0\n")
            // No database named anywhere: libpq's error names its default socket; the line says how to name one.
            let unnamed = try CLI.run(["status"], databaseURL: "")
            #expect(unnamed.status == 69)
            #expect(unnamed.stderr.contains("no database was given: set DATABASE_URL or pass --database-url"), "\(unnamed.stderr)")
            #expect(refused.stderr.contains("no database was given") == false)
            // Closed sets are parsed by the CLI, which lists the choices (no database is reached).
            let badMetric = try CLI.run(["backtest", "--select-metric", "mape\u{0301}"], databaseURL: db.url)
            #expect(badMetric.status == 64)
            #expect(badMetric.stderr.contains("Please provide one of 'wape', 'mase', 'rmsse' or 'mae'"), "\(badMetric.stderr)")
            let badStructure = try CLI.run(["backtest", "--structure-selection", "sometimes"], databaseURL: db.url)
            #expect(badStructure.status == 64 && badStructure.stderr.contains("Please provide one of 'every-fold'"), "\(badStructure.stderr)")
            // Usage errors are one line like every other error, naming where help is (issue 31, item 3).
            let unknownFlag = try CLI.run(["backtest", "--bogus"], databaseURL: db.url)
            #expect(unknownFlag.status == 64)
            #expect(
                unknownFlag.stderr == "forecastctl: error: Unknown option '--bogus'. Did you mean '--folds'? (forecastctl backtest --help)\n",
                "\(unknownFlag.stderr)")
            let badFolds = try CLI.run(["backtest", "--folds", "0"], databaseURL: db.url)
            #expect(badFolds.status == 64 && badFolds.stderr.hasPrefix("forecastctl: error: ") && !badFolds.stderr.contains("Usage"), "\(badFolds.stderr)")
            let hostileFlag = try CLI.run(["status", "--format", "json\u{1B}[2J"], databaseURL: db.url)
            #expect(
                hostileFlag.status == 64 && hostileFlag.stderr.contains("json\\u{1b}[2J") && hostileFlag.stderr.split(separator: "\n").count == 1,
                "\(hostileFlag.stderr)")
            // --version is the program's version on every command; train names a version with --model-version.
            let version = try CLI.run(["train", "--version"], databaseURL: db.url)
            #expect(version.status == 0 && version.stdout == CodeVersion.current + "\n", "\(version.stdout)\(version.stderr)")
            for r in [notMigrated, badURL, refused, badFlag, badHorizon, badMetric, badStructure, unnamed, unknownFlag, badFolds, hostileFlag] {
                #expect(!r.stderr.contains("Backtrace"))
            }
            let migrate = try CLI.run(["migrate"], databaseURL: db.url)
            #expect(migrate.status == 0)
            #expect(
                migrate.stdout.hasSuffix(
                    "migrate: \(TestDatabase.migrationCount) applied, 0 already applied\nmigrate: granted forecast_reader, forecast_worker and forecast_monitor their privileges (sql/roles/grants.sql, grants_monitor.sql)\n"
                ),
                "\(migrate.stdout)")
            // Every item discontinued on the cutoff (its empty day accepted): contracts pass, nothing to forecast.
            let c = try db.connect()
            defer { c.close() }
            _ = try DemoLoader(spec: DemoSpec(items: 5, locations: 2, days: 60, end: Fixtures.end, seed: 1)).load(on: c)
            try c.execute("UPDATE demand.items SET valid_to = '2026-11-27' WHERE valid_to IS NULL OR valid_to > '2026-11-27'")
            try c.execute("DELETE FROM demand.sales WHERE ds >= '2026-11-27'")
            let empty = try CLI.run(Self.runArgs + ["--accept-empty-period"], databaseURL: db.url)
            #expect(empty.status == 66, "\(empty.stderr)")
            #expect(empty.stderr == "forecastctl: error: no series to forecast: no sales on or before 2026-11-27 for items and locations valid on that date\n")
            // A cutoff in the future blames the cutoff, not an --as-of nobody gave (issue 31, item 4);
            // a backtest past the newest sales is refused instead of scoring empty periods as zeros.
            let future = try CLI.run(["run", "--cutoff", "2099-01-01", "--model", "naive"], databaseURL: db.url)
            #expect(future.status == 64 && future.stderr.hasPrefix("forecastctl: error: --cutoff 2099-01-01 is in the future"), "\(future.stderr)")
            let given = try CLI.run(["check", "--cutoff", "2026-11-27", "--as-of", "2026-11-20T00:00:00Z"], databaseURL: db.url)
            #expect(
                given.status == 64 && given.stderr.hasPrefix("forecastctl: error: --as-of 2026-11-20T00:00:00.000000Z is before the cutoff"), "\(given.stderr)")
            let pastSales = try CLI.run(["backtest", "--cutoff", "2026-12-31", "--as-of", "2026-11-28T06:00:00Z", "--folds", "1"], databaseURL: db.url)
            #expect(pastSales.status == 64, "\(pastSales.stderr)")
            #expect(
                pastSales.stderr.contains("--cutoff 2026-12-31 is after the newest sales (2026-11-26, loaded by 2026-11-28T06:00:00.000000Z)"),
                "\(pastSales.stderr)")
        }

        @Test func everyCommandHasHelp() throws {
            for command in [
                "migrate", "demo-data", "check", "run", "backtest", "work", "status", "latest", "cancel", "prune", "publish",
                "train", "models list", "models show", "promote", "rollback", "model-card", "evaluate", "monitor", "retrain",
                "objectives", "report", "worker", "requeue",
            ] {
                let r = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"], databaseURL: "")
                #expect(r.status == 0, "\(command)")
                #expect(r.stdout.contains("USAGE: forecastctl \(command)"), "\(command): \(r.stdout.prefix(200))")
            }
        }
    }
}
