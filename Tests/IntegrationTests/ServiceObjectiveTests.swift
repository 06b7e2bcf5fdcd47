import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 10, the metrics contract's service and cost side: runs record what they cost, and
/// forecast.service_status flags a missed publish deadline.
extension Integration {
    @Suite struct ServiceObjectiveTests {
        @Test func theStatusViewFlagsAMissedDeadlineAndRunsRecordTheirCost() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let run = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7))
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT (cpu_seconds > 0 AND bytes_stored > 0 AND duration > interval '0')::text FROM forecast.run_costs WHERE run_id = \(run.runID)
                        """), as: String.self) == "true")
            #expect(
                try db.scalar(Query("SELECT count(*) FROM forecast.work_items WHERE run_id = \(run.runID) AND cpu_seconds > 0"), as: Int.self)
                    == (try db.scalar(Query("SELECT work_item_count FROM forecast.runs WHERE id = \(run.runID)"), as: Int.self)))
            // Cutoff 2026-11-27 published now: past its deadline (03:00 the next morning), flagged.
            #expect(
                try db.scalar(
                    """
                    SELECT met_deadline::text || ' ' || ok::text || ' ' || to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                    FROM forecast.service_status WHERE frequency = 'day'
                    """, as: String.self) == "false false 2026-11-28 03:00")
            let missed = try CLI.run(["objectives"], databaseURL: db.url)
            #expect(missed.status == 3 && missed.stderr.contains("not met: SELECT * FROM forecast.service_status WHERE NOT ok"), "\(missed.stderr)")
            // A contract whose deadline this run met: the view says ok.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(
                """
                {"accuracy": {"primary_metric": "wape", "candidate": "selected", "min_improvement": 0.1, "last_folds": 2,
                              "max_abs_bias": 0.1, "no_worse_segments": [], "coverage_tolerance": 0.1},
                 "service": {"day": {"publish_by": "3650 days", "max_run_seconds": 600},
                             "input_max_age": {"sales": "30 days", "prices": "10 years", "promotions": "10 years"}},
                 "cost": {"day": {"cpu_seconds_per_1000_series": 10000, "max_bytes_per_run": 100000000, "retention_days": 30}}}
                """.utf8
            ).write(to: dir)
            let met = try CLI.run(["objectives", "--apply", dir.path], databaseURL: db.url)
            #expect(met.status == 0, "\(met.stdout)\(met.stderr)")
            #expect(met.stdout.hasPrefix("objectives: applied \(dir.path) (day, prices, promotions, sales)"), "\(met.stdout)")
            #expect(try db.scalar("SELECT ok::text FROM forecast.service_status WHERE frequency = 'day'", as: String.self) == "true")
            // The gate reads the same contract.
            #expect(try AccuracyGate.load(dir.path).minImprovement == 0.1)
        }
    }
}
