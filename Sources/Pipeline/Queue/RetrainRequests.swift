import Forecasting
import Foundation
import Logging
import Postgres

/// Retraining is an event: a request with its reason (`forecast.retrain_requests`), raised by the
/// monitor pass — on schedule (the production version is older than the cadence), on sustained
/// drift (a critical PSI on an important feature for 3 consecutive runs) or on accuracy (worse
/// than the baseline, or than the version's own backtest, over 4 weeks) — and de-duplicated like
/// alerts: one request per frequency, trigger and production version (updated while it holds). `forecastctl retrain` trains a candidate
/// with the production version's recipe on the newest data and, when its gate passes, puts it in
/// shadow. Production stays a person's decision (`promote`, gated on the shadow's actuals).
public enum RetrainRequests {
    public struct Trigger: Sendable, Equatable {
        /// "schedule", "drift" or "accuracy".
        public let rule: String
        public let reason: String
    }

    /// The triggers that hold after a monitor pass of `runID`.
    static func triggers(
        runID: Int64, frequency: Frequency, cutoff: PostgresDate, conditions: [AlertCondition],
        config: MonitorConfig, on connection: Connection
    ) throws -> [Trigger] {
        var out: [Trigger] = []
        guard let production = try ModelRegistry.current(.production, frequency: frequency, on: connection) else {
            return []
        }
        let age = cutoff.unixDays - production.trainingCutoff.unixDays
        if age >= config.retrainEveryDays {
            out.append(
                Trigger(
                    rule: "schedule",
                    reason:
                        "model version \(production.version) learned from data up to \(production.trainingCutoff), \(age) days before this run's cutoff (cadence \(config.retrainEveryDays) days)"
                ))
        }
        // The same important feature critical in each of the last N runs of the frequency.
        let persistent = try connection.query(
            Query(
                """
                WITH recent AS (
                    SELECT id FROM forecast.runs
                    WHERE frequency = \(frequency) AND status = 'published' AND cutoff <= \(cutoff)
                      AND EXISTS (SELECT 1 FROM forecast.drift_results d WHERE d.run_id = runs.id)
                    ORDER BY cutoff DESC, id DESC LIMIT \(config.driftRunsForRetrain))
                SELECT d.feature FROM forecast.drift_results d
                WHERE d.run_id IN (SELECT id FROM recent) AND d.psi >= d.critical_at AND d.feature = ANY(\(config.criticalFeatures)::text[])
                GROUP BY d.feature HAVING count(DISTINCT d.run_id) >= \(config.driftRunsForRetrain)
                ORDER BY d.feature
                """
            ).named("persistent_drift")
        ).rows.map { try $0.decode("feature", as: String.self) }
        if !persistent.isEmpty {
            out.append(
                Trigger(rule: "drift", reason: "critical drift of \(persistent.joined(separator: ", ")) in each of the last \(config.driftRunsForRetrain) runs")
            )
        }
        let accuracy = conditions.filter { $0.kind == .accuracy && ($0.scope == "all" || $0.rule == "accuracy.below_backtest") }
        if let first = accuracy.first {
            out.append(Trigger(rule: "accuracy", reason: first.message))
        }
        return out
    }

    /// Opens a request per trigger unless the trigger already has one for the current production
    /// version (available, running, or completed: its candidate waits for a person's decision); then that one is
    /// updated. One retrain per trigger and production version, not one per night.
    static func raise(_ triggers: [Trigger], frequency: Frequency, runID: Int64, on connection: Connection) throws -> [Trigger] {
        var opened: [Trigger] = []
        for t in triggers {
            let updated = try connection.execute(
                Query(
                    """
                    UPDATE forecast.retrain_requests SET last_seen = clock_timestamp(), occurrences = occurrences + 1, reason = \(t.reason),
                           last_run_id = \(runID)
                    WHERE id = (SELECT q.id FROM forecast.retrain_requests q
                                WHERE q.frequency = \(frequency) AND q.rule = \(t.rule) AND q.state <> \(QueueState.failed)
                                  AND q.requested_at >= coalesce((SELECT s.changed_at FROM forecast.model_stages s
                                                                  WHERE s.frequency = \(frequency) AND s.stage = 'production'), '-infinity')
                                ORDER BY q.id DESC LIMIT 1)
                    """
                ).named("update_retrain_request"))
            if updated == 0 {
                try connection.execute(
                    Query(
                        """
                        INSERT INTO forecast.retrain_requests (frequency, rule, reason, first_run_id, last_run_id)
                        VALUES (\(frequency), \(t.rule), \(t.reason), \(runID), \(runID))
                        ON CONFLICT DO NOTHING
                        """
                    ).named("open_retrain_request"))
                opened.append(t)
            }
        }
        return opened
    }

    public struct Outcome: Sendable {
        public let requestID: Int64
        public let rule: String
        public let version: ModelVersion?
        public let shadow: Bool
        public let error: String?
    }

    /// Takes the oldest available request (any process may run this; one takes each request), trains
    /// the production recipe again, and puts the candidate in shadow when its gate passes.
    public static func work(trainer: ModelTrainer, on connection: Connection) throws -> Outcome? {
        guard
            let request = try connection.transaction({ tx in
                try tx.query(
                    Query(
                        """
                        UPDATE forecast.retrain_requests SET state = \(QueueState.running), started_at = clock_timestamp()
                        WHERE id = (SELECT id FROM forecast.retrain_requests WHERE state = \(QueueState.available)
                                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                        RETURNING id, frequency, rule, reason
                        """
                    ).named("claim_retrain_request")
                ).first
            })
        else { return nil }
        let id = try request.decode("id", as: Int64.self)
        let rule = try request.decode("rule", as: String.self)
        let frequency = Frequency(rawValue: try request.decode("frequency", as: String.self)) ?? .day
        do {
            guard let production = try ModelRegistry.current(.production, frequency: frequency, on: connection) else {
                throw PipelineError.configuration("no production version of frequency \(frequency.rawValue) to retrain")
            }
            let text = try connection.query(
                Query("SELECT train_config::text AS c FROM forecast.model_versions WHERE id = \(production.id)")
                    .named("train_config")
            ).first!.decode("c", as: String.self)
            let recipe = try JSONDecoder().decode(ModelTrainer.TrainConfig.self, from: Data(text.utf8))
            let label = String("retrain (\(rule)) of \(production.version)".prefix(80))
            let result = try trainer.train(try recipe.options(label: label))
            var shadow = false
            if result.version.gatePassed {
                _ = try ModelStages.promote(
                    result.version.version, to: .shadow, force: false,
                    reason: "retrain request \(id) (\(rule)): the gate passed", on: connection)
                shadow = true
            }
            try connection.execute(
                Query(
                    """
                    UPDATE forecast.retrain_requests SET state = \(QueueState.completed), finished_at = clock_timestamp(),
                           candidate_version_id = \(result.version.id)
                    WHERE id = \(id)
                    """
                ).named("finish_retrain_request"))
            return Outcome(requestID: id, rule: rule, version: result.version, shadow: shadow, error: nil)
        } catch {
            try connection.execute(
                Query(
                    """
                    UPDATE forecast.retrain_requests SET state = \(QueueState.failed), finished_at = clock_timestamp(), error = \("\(error)")
                    WHERE id = \(id)
                    """
                ).named("fail_retrain_request"))
            return Outcome(requestID: id, rule: rule, version: nil, shadow: false, error: "\(error)")
        }
    }
}
