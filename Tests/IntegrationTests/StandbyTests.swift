import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 11, item 6: BI readers on a streaming replica. A hot standby started by
/// ops/scripts/pg-standby.sh serves forecast.latest, follows new publishes, shows its lag in
/// forecast.freshness, refuses writes, and is promoted in the failover drill.
extension Alone {
    @Suite struct StandbyTests {
        static func latest(_ c: Connection) throws -> String {
            try c.query(
                """
                SELECT coalesce(md5(string_agg(concat_ws('|', run_id, item_id, location_id, ds, float8send(yhat)), ',' ORDER BY item_id, location_id, ds)), '-') AS h
                FROM forecast.latest
                """
            ).first!.decode("h", as: String.self)
        }

        @Test func aHotStandbyServesLatestWithItsLagAndIsPromotedInTheFailoverDrill() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let first = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!))
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("standby-\(getpid())-\(db.name)").path
            let env = ["PRIMARY_URL": db.url, "PG_STANDBY_DIR": dir, "PG_STANDBY_PORT": String(31_000 + Int(getpid() % 300))]
            let started = try Shell.run(["ops/scripts/pg-standby.sh", "start"], env: env)
            defer { _ = try? Shell.run(["ops/scripts/pg-standby.sh", "destroy"], env: env) }
            #expect(started.status == 0, "\(started.stderr)")
            let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(url.hasSuffix("/\(db.name)") && url != db.url)

            let standby = try Connection.connect(url)
            defer { standby.close() }
            let primary = try db.connect()
            defer { primary.close() }
            #expect(try standby.query("SELECT pg_is_in_recovery() AS r").first!.decode("r", as: Bool.self))
            #expect(try Self.latest(standby) == (try Self.latest(primary)))
            #expect(try standby.query("SELECT run_id FROM forecast.freshness WHERE frequency = 'day'").first!.decode("run_id", as: Int64.self) == first.runID)
            // The lag is shown on the standby (0 when caught up), NULL on the primary.
            #expect(try standby.query("SELECT replica_lag IS NOT NULL AS shown FROM forecast.freshness").first!.decode("shown", as: Bool.self))
            #expect(try primary.query("SELECT replica_lag IS NULL AS none FROM forecast.freshness").first!.decode("none", as: Bool.self))

            // A newer run published on the primary reaches the readers on the standby.
            let second = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7, cutoff: Fixtures.end))
            let deadline = Date().addingTimeInterval(30)
            var served: Int64 = first.runID
            while true {
                served = try standby.query("SELECT run_id FROM forecast.served_runs WHERE frequency = 'day'").first!.decode("run_id", as: Int64.self)
                if served == second.runID || Date() >= deadline { break }
                Thread.sleep(forTimeInterval: 0.2)
            }
            #expect(served == second.runID)
            #expect(try Self.latest(standby) == (try Self.latest(primary)))
            let lag = try Shell.run(["ops/scripts/pg-standby.sh", "lag"], env: env)
            #expect(lag.status == 0 && lag.stdout.hasPrefix("in recovery: true, bytes not replayed: "), "\(lag.stdout)\(lag.stderr)")

            // Read-only: nothing can be enqueued or written there.
            #expect(Integration.Privileges.sqlState(standby, "SELECT forecast.enqueue_run('2026-11-28')") == "25006")

            // Failover drill: promoted, it takes writes.
            let promoted = try Shell.run(["ops/scripts/pg-standby.sh", "promote"], env: env)
            #expect(promoted.status == 0, "\(promoted.stderr)")
            let after = try Connection.connect(url)
            defer { after.close() }
            #expect(try after.query("SELECT pg_is_in_recovery() AS r").first!.decode("r", as: Bool.self) == false)
            #expect(try after.query("SELECT forecast.enqueue_run('2026-11-28') AS id").first!.decode("id", as: Int64.self) > 0)
        }
    }
}
