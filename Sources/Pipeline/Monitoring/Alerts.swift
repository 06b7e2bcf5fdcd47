import Forecasting
import Foundation
import Postgres

/// A condition a monitor pass found: what fires, where, how badly, and where to look.
public struct AlertCondition: Sendable, Equatable {
    public enum Kind: String, Sendable { case quality, drift, accuracy }
    public enum Tier: String, Sendable, Comparable {
        case info, warn, critical
        public static func < (a: Tier, b: Tier) -> Bool {
            let order: [Tier] = [.info, .warn, .critical]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public let rule: String
    public let kind: Kind
    public let tier: Tier
    public let scope: String
    public let value: Double
    public let threshold: Double
    public let message: String
    /// The section of ops/RUNBOOK.md to open.
    public let runbook: String
}

/// `forecast.alerts`: one open alert per rule, frequency and scope. A pass reconciles what fires
/// with what is open: new conditions open an alert, persisting ones update it (last seen,
/// occurrences, value, tier), and open alerts of the rules the pass judged that no longer fire
/// are resolved. The database announces each change with NOTIFY forecast_alerts.
public enum Alerts {
    public struct Outcome: Sendable {
        public var opened: [AlertCondition] = []
        public var updated: [AlertCondition] = []
        public var resolved: [String] = []
    }

    /// `judged`: rule prefixes this pass evaluated (open alerts of other rules are left alone).
    public static func reconcile(
        _ conditions: [AlertCondition], frequency: Frequency, runID: Int64?, judged: [String],
        on connection: Connection
    ) throws -> Outcome {
        try connection.transaction { tx in
            try tx.execute(Query("SELECT pg_advisory_xact_lock(hashtext('forecast.alerts'), hashtext(\(frequency)))").named("lock_alerts"))
            var outcome = Outcome()
            for c in conditions {
                let updated = try tx.execute(
                    Query(
                        """
                        UPDATE forecast.alerts SET tier = \(c.tier.rawValue), value = \(c.value), threshold = \(c.threshold),
                               message = \(c.message), last_seen = clock_timestamp(), occurrences = occurrences + 1,
                               last_run_id = coalesce(\(runID)::bigint, last_run_id)
                        WHERE status = 'open' AND rule = \(c.rule) AND frequency = \(frequency) AND scope = \(c.scope)
                        """
                    ).named("update_alert"))
                if updated > 0 {
                    outcome.updated.append(c)
                    continue
                }
                try tx.execute(
                    Query(
                        """
                        INSERT INTO forecast.alerts (rule, kind, tier, frequency, scope, value, threshold, message, runbook, first_run_id, last_run_id)
                        VALUES (\(c.rule), \(c.kind.rawValue), \(c.tier.rawValue), \(frequency), \(c.scope), \(c.value), \(c.threshold),
                                \(c.message), \(c.runbook), \(runID), \(runID))
                        """
                    ).named("open_alert"))
                outcome.opened.append(c)
            }
            let firing = conditions.map { "\($0.rule)|\($0.scope)" }
            outcome.resolved = try tx.query(
                Query(
                    """
                    UPDATE forecast.alerts SET status = 'resolved', resolved_at = clock_timestamp()
                    WHERE status = 'open' AND frequency = \(frequency)
                      AND EXISTS (SELECT 1 FROM unnest(\(judged)::text[]) j WHERE rule LIKE j || '%')
                      AND NOT (rule || '|' || scope = ANY(\(firing)::text[]))
                    RETURNING rule || ' ' || scope AS alert
                    """
                ).named("resolve_alerts")
            ).rows.map { try $0.decode("alert", as: String.self) }
            return outcome
        }
    }
}
