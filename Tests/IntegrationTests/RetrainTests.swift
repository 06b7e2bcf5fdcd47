import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 10, retraining triggers: a monitor pass raises one retrain request per trigger (updated,
/// not duplicated, while it holds); `retrain` trains a candidate that reaches shadow only through
/// its gate and production never without it.
extension Integration {
    @Suite struct RetrainTests {
        @Test func aTriggerRaisesOneRequestAndItsCandidateNeedsTheGate() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            // Production trained with a gate nothing passes (forced in, recorded); retrains repeat that gate.
            let v1 = try Registry.train(db, "moving_average", label: "moving average", gate: Registry.strictGate)
            _ = try ModelStages.promote(v1.version, to: .production, force: true, reason: "test: strict gate", on: try db.connect())

            var config = MonitorConfig()
            config.retrainEveryDays = 0  // on schedule: every run
            config.minSegmentSeries = 5
            func nightly(_ day: String) throws -> RunCoordinator.Summary {
                var options = Fixtures.options(horizon: 7, force: true, cutoff: PostgresDate(iso: day)!)
                options.serveRegistry = true
                options.monitor = config
                return try Fixtures.coordinator(db).run(options)
            }
            let first = try nightly("2026-11-27")
            #expect(first.monitor?.retrainRequests.map(\.rule) == ["schedule"])
            let second = try nightly("2026-11-27")
            #expect(second.monitor?.retrainRequests == [])
            #expect(
                try db.scalar("SELECT count(*) || ' ' || min(occurrences) || ' ' || min(state) FROM forecast.retrain_requests", as: String.self)
                    == "1 2 available")

            // The worker role works the request: a candidate with the production recipe, judged by its gate.
            let worker = try db.workerURL()
            let retrain = try CLI.run(["retrain"], databaseURL: worker)
            #expect(retrain.status == 0, "\(retrain.stderr)")
            #expect(retrain.stdout.contains("retrain: request 1 (schedule): candidate 1.1.0, gate failed; left a candidate"), "\(retrain.stdout)")
            #expect(
                try db.scalar(
                    """
                    SELECT r.state || ' ' || v.version || ' ' || v.label FROM forecast.retrain_requests r
                    JOIN forecast.model_versions v ON v.id = r.candidate_version_id
                    """, as: String.self) == "completed 1.1.0 retrain (schedule) of 1.0.0")
            #expect(try Registry.stage(db, "1.1.0") == "candidate" && (try Registry.stage(db, "1.0.0")) == "production")
            // Same recipe: the same model, horizon and backtest plan as 1.0.0.
            let candidate = try ModelRegistry.find("1.1.0", on: try db.connect())
            #expect(candidate.policy.model == v1.policy.model && candidate.horizon == v1.horizon && candidate.policyHash == v1.policyHash)
            // Never production without the gate.
            let promote = try CLI.run(["promote", "1.1.0", "--to", "production"], databaseURL: db.url)
            #expect(promote.status == 2, "\(promote.stderr)")
            #expect(try CLI.run(["retrain"], databaseURL: db.url).stdout == "retrain: no open retrain requests\n")
        }
    }
}
