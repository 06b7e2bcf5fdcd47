import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Integration {
    /// Rollback of outputs (issue 9): `publish --run` pins what `latest` and `freshness` serve to an
    /// earlier published run, atomically and with an audit row; `--unpin` restores the newest run.
    @Suite struct OutputPinning {
        @Test func pinningServesAnEarlierRunAndUnpinningRestoresTheNewest() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let first = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 5))
            let firstRows = try db.forecastRows(run: first.runID)
            try db.execute("UPDATE demand.sales SET qty = qty * 3 WHERE ds > '2026-11-20'")  // a bad reload
            let second = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 5, force: true))
            #expect(second.outcome == .published)
            func served() throws -> [Int64] {
                try db.connect().query("SELECT DISTINCT run_id FROM forecast.latest").rows.map { try $0.decode("run_id", as: Int64.self) }
            }
            #expect(try served() == [second.runID])

            let pin = try CLI.run(["publish", "--run", String(first.runID), "--reason", "promo feed tripled last week's sales"], databaseURL: db.url)
            #expect(pin.status == 0, "\(pin.stderr)")
            #expect(
                pin.stdout.contains("now serves run \(first.runID) (cutoff 2026-11-27, \(firstRows.count) rows) instead of run \(second.runID)"),
                "\(pin.stdout)")
            #expect(try served() == [first.runID])
            // Exactly the rows the first run published, and freshness names the same run.
            let latestRows = try db.connect().query(
                """
                SELECT item_id || '|' || location_id || '|' || ds || '|' || encode(float8send(yhat), 'hex') AS r
                FROM forecast.latest ORDER BY item_id, location_id, ds
                """
            ).rows.map { try $0.decode("r", as: String.self) }
            let firstYhat = try db.connect().query(
                Query(
                    """
                    SELECT item_id || '|' || location_id || '|' || ds || '|' || encode(float8send(yhat), 'hex') AS r
                    FROM forecast.forecasts WHERE run_id = \(first.runID) ORDER BY item_id, location_id, ds
                    """)
            ).rows.map { try $0.decode("r", as: String.self) }
            #expect(latestRows == firstYhat)
            #expect(try db.scalar("SELECT run_id FROM forecast.freshness WHERE frequency = 'day'", as: Int64.self) == first.runID)
            #expect(
                try db.scalar(
                    """
                    SELECT action || ' ' || run_id || ' by ' || db_role || ': ' || reason FROM forecast.output_pin_events
                    """, as: String.self) == "pin \(first.runID) by postgres: promo feed tripled last week's sales")

            let status = try CLI.run(["status"], databaseURL: db.url)
            #expect(
                status.stdout.split(separator: "\n").contains { $0.hasPrefix("day  ") && $0.contains("  \(first.runID)  ") && $0.contains("pinned") },
                "\(status.stdout)")
            let fresh =
                try JSONSerialization.jsonObject(with: Data(try CLI.run(["status", "--format", "json"], databaseURL: db.url).stdout.utf8))
                as? [String: [[String: Any]]]
            #expect(fresh?["freshness"]?.first?["run"] as? Int == Int(first.runID) && fresh?["freshness"]?.first?["pinned"] as? Bool == true)
            // A new run publishes but is not served while the pin holds.
            let third = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 5, force: true))
            #expect(third.outcome == .published)
            #expect(try served() == [first.runID])

            // Refusals: no reason, a run that never published, both or neither flag.
            let noReason = try CLI.run(["publish", "--run", String(first.runID)], databaseURL: db.url)
            #expect(noReason.status == 64 && noReason.stderr.contains("--reason is required"), "\(noReason.stderr)")
            try db.execute(
                Query(
                    """
                    INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version, status)
                    SELECT cutoff - 1, as_of, frequency, horizon, config, code_version, model_version, 'queued'
                    FROM forecast.runs WHERE id = \(first.runID)
                    """))
            let queued = try db.scalar("SELECT max(id) FROM forecast.runs", as: Int64.self)
            let notPublished = try CLI.run(["publish", "--run", String(queued), "--reason", "x"], databaseURL: db.url)
            #expect(notPublished.status == 64 && notPublished.stderr.contains("is queued; only a run that was published can be pinned"))
            #expect(try CLI.run(["publish", "--reason", "x"], databaseURL: db.url).status == 64)

            let unpin = try CLI.run(["publish", "--unpin", "--reason", "feed fixed, third run is good"], databaseURL: db.url)
            #expect(unpin.status == 0, "\(unpin.stderr)")
            #expect(unpin.stdout.contains("is unpinned; it serves run \(third.runID)"), "\(unpin.stdout)")
            #expect(try served() == [third.runID])
            #expect(try db.scalar("SELECT count(*) FROM forecast.output_pin_events", as: Int.self) == 2)
            let again = try CLI.run(["publish", "--unpin", "--reason", "x"], databaseURL: db.url)
            #expect(again.status == 64 && again.stderr.contains("is not pinned"))
        }
    }
}
