import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 32: `evaluate` scores only the horizons of `forecast.service_objectives.evaluated_horizons`
/// (set from the metrics contract), stores them with the pass, and does not open a run none of
/// whose evaluated horizons landed; only the owner may set them, and only to steps.
extension Integration {
    @Suite struct EvaluatedHorizonTests {
        /// The shipped metrics contract with `business.evaluated_horizons` set to `json`, in a temporary file.
        static func contract(evaluatedHorizons json: String) throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).json")
            try String(contentsOf: TestDatabase.sql.url.deletingLastPathComponent().appendingPathComponent("ops/metrics-contract.json"), encoding: .utf8)
                .replacingOccurrences(of: "\"exception_tolerance\": 0.3", with: "\"exception_tolerance\": 0.3, \"evaluated_horizons\": \(json)")
                .write(to: url, atomically: true, encoding: .utf8)
            return url
        }

        /// `service_objectives.evaluated_horizons` as "day={1,3} week=all".
        static func stored(_ db: TestDatabase) throws -> String {
            try db.scalar(
                "SELECT string_agg(frequency || '=' || coalesce(evaluated_horizons::text, 'all'), ' ' ORDER BY frequency) FROM forecast.service_objectives",
                as: String.self)
        }

        @Test func onlyTheEvaluatedHorizonsAreScoredAndOtherRunsAreNotOpened() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let version = try Registry.train(db, "moving_average", label: "moving average")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: try db.connect())
            let early = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-13")!)
            let late = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-20")!)
            let series = try db.scalar(Query("SELECT series_count FROM forecast.runs WHERE id = \(early.runID)"), as: Int.self)

            // From the metrics contract: day {1, 3} (a duplicate and the order do not matter).
            let contract = try Self.contract(evaluatedHorizons: "{\"day\": [3, 1, 3]}")
            defer { try? FileManager.default.removeItem(at: contract) }
            let applied = try CLI.run(["objectives", "--apply", contract.path], databaseURL: db.url)
            #expect([0, 3].contains(applied.status), "\(applied.stderr)")
            #expect(
                try Self.stored(db)
                    == "day={1,3} week=all")

            let c = try db.connect()
            defer { c.close() }
            let first = try Evaluator.evaluate(inputSchema: "demand", on: c)
            // Both runs' horizons 1 and 3 have landed: served and baseline, nothing else.
            #expect(first.evaluated == 2 * 2 * series * 2)
            #expect(first.evaluatedHorizons == [.day: [1, 3]])
            #expect(try db.scalar("SELECT string_agg(DISTINCT horizon::text, ',') FROM forecast.evaluations", as: String.self) == "1,3")
            #expect(try db.scalar("SELECT evaluated_horizons::text FROM forecast.evaluation_passes", as: String.self) == "{\"day\": [1, 3]}")
            // The right values at those horizons: the served forecast and the side path's baseline element.
            #expect(
                try db.scalar(
                    """
                    SELECT count(*)::int FROM forecast.evaluations e
                    JOIN forecast.forecasts f ON f.run_id = e.run_id AND f.item_id = e.item_id AND f.location_id = e.location_id AND f.ds = e.ds
                    WHERE e.role = 'served' AND e.horizon = f.horizon AND e.ds = e.cutoff + e.horizon AND e.yhat = f.yhat
                    """, as: Int.self) == 2 * series * 2)
            #expect(
                try db.scalar(
                    """
                    SELECT count(*)::int FROM forecast.evaluations e
                    JOIN forecast.side_forecasts b ON b.run_id = e.run_id AND b.role = 'baseline' AND b.item_id = e.item_id
                                                  AND b.location_id = e.location_id AND b.ds = e.ds
                    WHERE e.role = 'baseline' AND e.horizon = b.horizon AND e.yhat = b.yhat AND e.yhat_lower = b.yhat_lower AND e.yhat_upper = b.yhat_upper
                    """, as: Int.self) == 2 * series * 2)
            #expect(
                try db.scalar(
                    "SELECT string_agg(segment, ',' ORDER BY segment) FROM forecast.accuracy_4w WHERE segment_kind = 'horizon' AND role = 'served'",
                    as: String.self) == "1,3")

            // A new day lands: the newest run's horizon 1. The 11-20 run's horizons 1 and 3 landed
            // before (its horizon 7 is not scored), so the pass does not open its partition (held by
            // another session, the pass still goes through); without a policy it would read it.
            let newest = try Registry.serve(db, cutoff: Fixtures.end)
            try db.execute(
                """
                INSERT INTO demand.sales (item_id, location_id, ds, qty, loaded_at)
                SELECT item_id, location_id, '2026-11-28', 2, clock_timestamp() FROM demand.sales WHERE ds = '2026-11-27'
                """)
            let locker = try db.connect()
            defer { locker.close() }
            try locker.begin()
            try locker.execute(Query(unsafeSQL: "LOCK TABLE forecast.forecasts_r\(late.runID) IN ACCESS EXCLUSIVE MODE"))
            try c.execute("SET lock_timeout = '2s'")
            let landed = try Evaluator.evaluate(inputSchema: "demand", on: c)
            #expect(landed.evaluated == 2 * series)
            #expect(
                try db.scalar(Query("SELECT count(*)::int FROM forecast.evaluations WHERE run_id = \(newest.runID) AND horizon = 1"), as: Int.self) == 2
                    * series)
            // Every horizon again: the held run's 11-27 target (horizon 7) is now in the window, and the pass waits for it.
            try db.execute("UPDATE forecast.service_objectives SET evaluated_horizons = NULL WHERE frequency = 'day'")
            try db.execute("DELETE FROM forecast.evaluation_passes WHERE id = (SELECT max(id) FROM forecast.evaluation_passes)")
            let e = #expect(throws: PostgresError.self) { try Evaluator.evaluate(inputSchema: "demand", on: c) }
            #expect(e?.sqlState == .lockNotAvailable)
            try locker.rollback()
            try c.execute("RESET lock_timeout")
        }

        @Test func onlyTheOwnerSetsEvaluatedHorizonsAndOnlyToSteps() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            for hostile in ["'{}'", "'{0}'", "'{1,NULL}'", "'{{1},{2}}'", "'{367}'", "'{-1}'", "array_fill(1, ARRAY[400])"] {
                let e = #expect(throws: PostgresError.self) {
                    try db.execute(Query(unsafeSQL: "UPDATE forecast.service_objectives SET evaluated_horizons = \(hostile) WHERE frequency = 'day'"))
                }
                #expect(e?.sqlState == .checkViolation, "\(hostile)")
            }
            // The worker role evaluates but may not narrow what is scored (it could hide a horizon from the alerts).
            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            let e = #expect(throws: PostgresError.self) {
                try worker.execute("UPDATE forecast.service_objectives SET evaluated_horizons = '{1}' WHERE frequency = 'day'")
            }
            #expect(e?.sqlState == .insufficientPrivilege)
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.service_objectives WHERE evaluated_horizons IS NOT NULL", as: Int.self) == 0)
            // Nor edit what was scored: only the owner's pass marks an evaluation replaced (migration 045).
            for sql in ["UPDATE forecast.evaluations SET actual = 0", "UPDATE forecast.evaluations SET replaced_at = NULL WHERE replaced_at IS NOT NULL"] {
                let edit = #expect(throws: PostgresError.self) { try worker.execute(Query(unsafeSQL: sql)) }
                #expect(edit?.sqlState == .insufficientPrivilege, "\(sql)")
            }

            // A contract that names an unknown frequency or a non-step is refused with the rule's name.
            for (json, message) in [
                ("{\"month\": [1]}", "business.evaluated_horizons names \"month\": a frequency is day or week"),
                ("{\"day\": [0, 7]}", "business.evaluated_horizons.day must list steps from 1 to 366 (null: every horizon), got [0, 7]"),
                ("{\"day\": []}", "business.evaluated_horizons.day must list steps from 1 to 366 (null: every horizon), got []"),
                // not integers at all: a huge number, a fraction, text
                ("{\"day\": [1e30]}", "cannot read the service and cost objectives of"),
                ("{\"day\": [1.5]}", "cannot read the service and cost objectives of"),
                ("{\"day\": [\"7\\u0000\"]}", "cannot read the service and cost objectives of"),
            ] {
                let contract = try Self.contract(evaluatedHorizons: json)
                defer { try? FileManager.default.removeItem(at: contract) }
                let refused = try CLI.run(["objectives", "--apply", contract.path], databaseURL: db.url)
                #expect(refused.status != 0 && refused.stderr.contains(message), "\(refused.stderr)")
            }
            // null sets a frequency back to every horizon; a frequency the contract does not name keeps its own.
            for (json, stored) in [("{\"day\": [7], \"week\": [2]}", "day={7} week={2}"), ("{\"day\": null}", "day=all week={2}")] {
                let contract = try Self.contract(evaluatedHorizons: json)
                defer { try? FileManager.default.removeItem(at: contract) }
                let applied = try CLI.run(["objectives", "--apply", contract.path], databaseURL: db.url)
                #expect([0, 3].contains(applied.status), "\(applied.stderr)")
                #expect(
                    try Self.stored(db) == stored)
            }
        }
    }
}
