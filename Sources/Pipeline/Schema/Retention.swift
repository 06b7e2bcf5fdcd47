import Forecasting
import Foundation
import Postgres

/// Retention by partition (migration 023): what `forecast.retention_plan()` says may go loses its
/// partitions, detached CONCURRENTLY (readers of other runs are never blocked) and dropped. The run
/// or backtest row stays, with `purged_at`, and `forecast.retention_events` records it. Needs the
/// schema owner (ALTER TABLE on the partitioned parents).
public enum Retention {
    public enum Kind: String, Sendable { case run, backtest }

    public struct Decision: Sendable {
        public let kind: Kind
        public let key: Int64
        public let frequency: Frequency
        public let date: PostgresDate
        public let status: String
        public let keep: Bool
        public let reason: String
    }

    public struct Dropped: Sendable {
        public let kind: Kind
        public let key: Int64
        public let reason: String
        public let rows: Int64
        public let bytes: Int64
        public let partitions: Int
    }

    /// Per run: the tables partitioned by run id (`forecast.run_partitioned_tables()`); per
    /// backtest: its results.
    static func partitions(_ kind: Kind, _ key: Int64, on connection: Connection) throws -> [(parent: String, child: String)] {
        switch kind {
        case .run:
            return try connection.query("SELECT unnest(forecast.run_partitioned_tables()) AS t").rows
                .map {
                    let t = try $0.decode("t", as: String.self)
                    return (t, "\(t)_r\(key)")
                }
        case .backtest:
            return [("backtest_results", "backtest_results_b\(key)")]
        }
    }

    /// Running backtests whose process died (no heartbeat for two leases) are failed: the plan
    /// keeps running ones as in flight.
    public static func failAbandonedBacktests(on connection: Connection) throws -> [Int64] {
        try BacktestHeartbeat.failAbandoned(on: connection)
    }

    public static func plan(rollbackDepth: Int, today: PostgresDate?, on connection: Connection) throws -> [Decision] {
        try connection.query(
            Query(
                """
                SELECT kind, key, frequency, cutoff, status, keep, reason
                FROM forecast.retention_plan(\(rollbackDepth), coalesce(\(today)::date, current_date))
                ORDER BY kind DESC, key
                """
            ).named("retention_plan")
        ).rows.map { row in
            Decision(
                kind: Kind(rawValue: try row.decode("kind", as: String.self)) ?? .run, key: try row.decode("key"),
                frequency: try row.decode("frequency"), date: try row.decode("cutoff"), status: try row.decode("status"),
                keep: try row.decode("keep"), reason: try row.decode("reason"))
        }
    }

    /// Drops the partitions of every decision that may go, one run or backtest at a time; each is
    /// checked against a fresh plan first (a run pinned or published meanwhile is kept).
    public static func apply(
        _ decisions: [Decision], rollbackDepth: Int, today: PostgresDate?, on connection: Connection,
        progress: (Dropped) -> Void = { _ in }
    ) throws -> [Dropped] {
        var dropped: [Dropped] = []
        for decision in decisions where !decision.keep {
            guard try claim(decision, rollbackDepth: rollbackDepth, today: today, on: connection) else { continue }
            let result = try drop(decision, on: connection)
            progress(result)
            dropped.append(result)
        }
        return dropped
    }

    /// Checks a fresh plan and, for a run, marks its purge as started, in one transaction that
    /// holds the run's row lock: a pin (whose trigger locks the same row) either committed first,
    /// and the plan keeps the run, or waits and is refused (FC006, migration 029). False: keep it.
    static func claim(_ decision: Decision, rollbackDepth: Int, today: PostgresDate?, on connection: Connection) throws -> Bool {
        try connection.transaction { tx in
            if decision.kind == .run {
                try tx.execute(Query("SELECT id FROM forecast.runs WHERE id = \(decision.key) FOR UPDATE").named("lock_run_for_purge"))
            }
            let fresh = try plan(rollbackDepth: rollbackDepth, today: today, on: tx)
            guard fresh.contains(where: { $0.kind == decision.kind && $0.key == decision.key && !$0.keep }) else { return false }
            if decision.kind == .run {
                try tx.execute(
                    Query(
                        """
                        UPDATE forecast.runs SET purge_started_at = coalesce(purge_started_at, clock_timestamp()) WHERE id = \(decision.key)
                        """
                    ).named("claim_run_for_purge"))
            }
            return true
        }
    }

    static func drop(_ decision: Decision, on connection: Connection) throws -> Dropped {
        let parts = try partitions(decision.kind, decision.key, on: connection)
        var rows: Int64 = 0
        var bytes: Int64 = 0
        var done = 0
        for (index, part) in parts.enumerated() {
            let schema = SQLIdentifier("forecast"), child = SQLIdentifier(part.child), parent = SQLIdentifier(part.parent)
            let qualified = SQLIdentifier.qualified(schema, part.child)
            guard
                let state = try connection.query(
                    Query(
                        """
                        SELECT pg_total_relation_size(c.oid) AS bytes, i.inhdetachpending AS pending, i.inhrelid IS NOT NULL AS attached
                        FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
                        WHERE c.oid = to_regclass(\(qualified))
                        """
                    ).named("partition_state")
                ).first
            else { continue }  // dropped by an earlier, interrupted pass
            bytes += try state.decode("bytes", as: Int64.self)
            if index == 0 {
                rows =
                    try connection.query(Query("SELECT count(*) AS n FROM \(ident: schema).\(ident: child)").named("partition_rows"))
                    .first?.decode("n", as: Int64.self) ?? 0
            }
            if try state.decode("attached", as: Bool.self) {
                let finalize = try state.decodeIfPresent("pending", as: Bool.self) == true
                try connection.execute(
                    Query(
                        """
                        ALTER TABLE \(ident: schema).\(ident: parent) DETACH PARTITION \(ident: schema).\(ident: child) \(finalize ? Query("FINALIZE") : Query("CONCURRENTLY"))
                        """
                    ).named("detach_partition"))
            }
            try connection.execute(Query("DROP TABLE \(ident: schema).\(ident: child)").named("drop_partition"))
            done += 1
        }
        let table = decision.kind == .run ? Query("forecast.runs") : Query("forecast.backtests")
        try connection.transaction { tx in
            try tx.execute(Query("UPDATE \(table) SET purged_at = clock_timestamp() WHERE id = \(decision.key)").named("mark_purged"))
            try tx.execute(
                Query(
                    """
                    INSERT INTO forecast.retention_events (kind, key, reason, rows, bytes, os_user)
                    VALUES (\(decision.kind.rawValue), \(decision.key), \(decision.reason), \(rows), \(bytes), \(AuditIdentity.osUser))
                    """
                ).named("retention_event"))
        }
        return Dropped(kind: decision.kind, key: decision.key, reason: decision.reason, rows: rows, bytes: bytes, partitions: done)
    }
}
