import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 29, finding 14: a killed backtest used to stay `running` forever; retention kept it as in
/// flight and no command cleaned it.
extension Timed {
    @Suite struct BacktestHeartbeatTests {
        static let slowArgs = [
            "backtest", "--folds", "4", "--horizon", "7", "--step", "7", "--models", "auto_ets,auto_theta,xgboost",
            "--workers", "1", "--chunk-size", "10", "--no-progress",
        ]

        static func running(_ db: TestDatabase) throws -> (id: Int64, beat: String)? {
            let c = try db.connect()
            defer { c.close() }
            return try c.query("SELECT id, heartbeat_at::text AS beat FROM forecast.backtests WHERE status = 'running' ORDER BY id DESC LIMIT 1")
                .first.map { (try $0.decode("id", as: Int64.self), try $0.decode("beat", as: String.self)) }
        }

        @Test func aKilledBacktestIsFailedAsAbandonedAfterTwoLeases() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 30, locations: 3, days: 200)
            let handle = try CLI.start(Self.slowArgs + ["--lease", "1"], databaseURL: db.url)
            var first: (id: Int64, beat: String)?
            try Timed.CommandLine.waitFor("the backtest to start", timeout: 60) {
                first = try Self.running(db)
                return first != nil
            }
            // It beats (every quarter of the lease).
            try Timed.CommandLine.waitFor("a heartbeat", timeout: 10) { try Self.running(db).map { $0.beat != first!.beat } ?? false }
            kill(handle.0.processIdentifier, SIGKILL)
            _ = CLI.finish(handle)
            let id = first!.id
            #expect(try db.scalar(Query("SELECT status FROM forecast.backtests WHERE id = \(id)"), as: String.self) == "running")
            // Within two leases it is not abandoned yet; after them, retention (a dry run) fails it and says so.
            Thread.sleep(forTimeInterval: 2.5)
            let retention = try CLI.run(["retention"], databaseURL: db.url)
            #expect(retention.status == 0, "\(retention.stderr)")
            #expect(retention.stdout.contains("retention: backtest \(id) was abandoned (no heartbeat for two leases): marked failed"), "\(retention.stdout)")
            let row = try db.connect().query(Query("SELECT status, error, finished_at IS NOT NULL AS done FROM forecast.backtests WHERE id = \(id)")).first!
            #expect(try row.decode("status", as: String.self) == "failed" && row.decode("done", as: Bool.self))
            #expect(try row.decode("error", as: String.self).hasPrefix("abandoned: no heartbeat since "))
            // Retention judges it as any failed backtest now, not as in flight.
            #expect(
                try db.scalar(Query("SELECT reason FROM forecast.retention_plan() WHERE kind = 'backtest' AND key = \(id)"), as: String.self) != "in flight")
        }

        @Test func cancelFailsARunningBacktestWhichThenStoresNothingAsFinished() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 30, locations: 3, days: 200)
            let handle = try CLI.start(Self.slowArgs, databaseURL: db.url)
            var running: (id: Int64, beat: String)?
            try Timed.CommandLine.waitFor("the backtest to start", timeout: 60) {
                running = try Self.running(db)
                return running != nil
            }
            let id = running!.id
            let cancel = try CLI.run(["cancel", "--backtest", String(id), "--reason", "wrong model list"], databaseURL: db.url)
            #expect(cancel.status == 0, "\(cancel.stderr)")
            #expect(cancel.stdout == "cancel: backtest \(id) was running, now failed\n", "\(cancel.stdout)")
            let ended = CLI.finish(handle)
            #expect(ended.status == 1, "\(ended.stdout)\(ended.stderr)")
            #expect(ended.stderr.contains("backtest \(id) was failed while it ran (cancelled by "), "\(ended.stderr)")
            #expect(ended.stderr.contains(": wrong model list); its results are not used"), "\(ended.stderr)")
            #expect(try db.scalar(Query("SELECT status FROM forecast.backtests WHERE id = \(id)"), as: String.self) == "failed")
            // Only a running backtest can be cancelled; one of --run or --backtest.
            let again = try CLI.run(["cancel", "--backtest", String(id), "--reason", "again"], databaseURL: db.url)
            #expect(again.status == 64 && again.stderr.contains("backtest \(id) is failed; only a running backtest can be cancelled"), "\(again.stderr)")
            let neither = try CLI.run(["cancel", "--reason", "nothing named"], databaseURL: db.url)
            #expect(neither.status == 64 && neither.stderr.contains("give one of --run ID, --backtest ID or --job ID"), "\(neither.stderr)")
            // A change that is recorded says why (issue 31): no --reason, no cancel.
            let unexplained = try CLI.run(["cancel", "--backtest", String(id)], databaseURL: db.url)
            #expect(unexplained.status == 64 && unexplained.stderr.contains("--reason"), "\(unexplained.stderr)")
            let blank = try CLI.run(["cancel", "--backtest", String(id), "--reason", " \t"], databaseURL: db.url)
            #expect(blank.status == 64 && blank.stderr.contains("--reason must say why"), "\(blank.stderr)")
        }
    }
}
