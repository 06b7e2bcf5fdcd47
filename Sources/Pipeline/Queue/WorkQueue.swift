import Foundation
import Postgres

/// The run's work items as a queue (after River/Oban): claim with `FOR UPDATE SKIP LOCKED` in a
/// short transaction, keep a lease alive with heartbeats, complete in the same transaction as
/// the item's output. Time comes from the database clock, shared by every host.
public struct WorkQueue: Sendable {
    public struct Claim: Sendable {
        public let id: Int64
        public let chunk: Int
        public let attempt: Int
    }

    public struct Counts: Sendable, Equatable {
        public var available = 0, running = 0, completed = 0, failed = 0
        public var completedSeries = 0, rowsWritten = 0
        public var total: Int { available + running + completed + failed }
        public var isFinished: Bool { available == 0 && running == 0 }
    }

    public let runID: Int64
    public let leaseSeconds: Double
    public let workerName: String

    public init(runID: Int64, leaseSeconds: Double, workerName: String) {
        self.runID = runID
        self.leaseSeconds = leaseSeconds
        self.workerName = workerName
    }

    var lease: String { "\(leaseSeconds) seconds" }

    /// Claims the next available item, or an item whose lease expired (its worker died).
    public func claim(on connection: Connection) throws -> Claim? {
        try connection.retrying { conn in
            try conn.transaction { tx in
                guard
                    let row = try tx.query(
                        Query(
                            """
                            WITH next AS MATERIALIZED (
                                SELECT id FROM forecast.work_items
                                WHERE run_id = \(runID)
                                  AND ((state = \(QueueState.available) AND scheduled_at <= clock_timestamp())
                                       OR (state = \(QueueState.running) AND lease_expires_at < clock_timestamp()))
                                  AND attempt < max_attempts
                                ORDER BY chunk
                                LIMIT 1
                                FOR UPDATE SKIP LOCKED)
                            UPDATE forecast.work_items w
                            SET state = \(QueueState.running), attempt = w.attempt + 1, attempted_at = clock_timestamp(),
                                attempted_by = \(workerName), heartbeat_at = clock_timestamp(),
                                lease_expires_at = clock_timestamp() + \(lease)::interval
                            FROM next WHERE w.id = next.id
                            RETURNING w.id, w.chunk, w.attempt
                            """
                        ).named("claim_work_item")
                    ).first
                else { return nil }
                return Claim(id: try row.decode("id"), chunk: try row.decode("chunk"), attempt: try row.decode("attempt"))
            }
        }
    }

    /// Extends the lease. Returns false when the item is no longer ours (lease lost to a rescuer).
    @discardableResult
    public func heartbeat(_ claim: Claim, on connection: Connection) throws -> Bool {
        try connection.execute(
            Query(
                """
                UPDATE forecast.work_items
                SET heartbeat_at = clock_timestamp(), lease_expires_at = clock_timestamp() + \(lease)::interval
                WHERE id = \(claim.id) AND attempt = \(claim.attempt) AND state = \(QueueState.running)
                """
            ).named("heartbeat_work_item")) == 1
    }

    /// Inside the caller's transaction: marks the item completed if we still hold it.
    /// Locks the row, so a concurrent rescuer's claim waits and then finds it completed.
    public func complete(
        _ claim: Claim, rows: Int, rowsRead: Int = 0, readChecksum: UInt64 = 0, cpuSeconds: Double? = nil,
        in tx: Connection
    ) throws -> Bool {
        try tx.execute(
            Query(
                """
                UPDATE forecast.work_items
                SET state = \(QueueState.completed), finalized_at = clock_timestamp(), rows_written = \(rows), lease_expires_at = NULL,
                    rows_read = \(rowsRead), read_checksum = \(Int64(bitPattern: readChecksum)), cpu_seconds = \(cpuSeconds)
                WHERE id = \(claim.id) AND attempt = \(claim.attempt) AND state = \(QueueState.running)
                """
            ).named("complete_work_item")) == 1
    }

    /// Records an error. Retryable errors go back to the queue with exponential backoff until
    /// `max_attempts`; others fail the item at once.
    public func fail(_ claim: Claim, error: String, retryable: Bool, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.work_items
                SET errors = errors || jsonb_build_array(jsonb_build_object(
                        'attempt', \(claim.attempt)::int, 'worker', \(workerName)::text, 'error', \(error)::text)),
                    state = CASE WHEN \(retryable) AND attempt < max_attempts THEN \(QueueState.available) ELSE \(QueueState.failed) END,
                    finalized_at = CASE WHEN \(retryable) AND attempt < max_attempts THEN NULL ELSE clock_timestamp() END,
                    scheduled_at = clock_timestamp() + least(power(2, attempt), 60) * interval '1 second',
                    lease_expires_at = NULL
                WHERE id = \(claim.id) AND attempt = \(claim.attempt) AND state = \(QueueState.running)
                """
            ).named("fail_work_item"))
    }

    /// Fails items whose lease expired on their last allowed attempt (the rescuer).
    /// Hands a held item back at once (the process is stopping): available again, and the
    /// interrupted attempt does not count against `max_attempts`.
    public func release(_ claim: Claim, reason: String, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.work_items
                SET state = \(QueueState.available), attempt = attempt - 1, scheduled_at = clock_timestamp(), lease_expires_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object(
                        'attempt', \(claim.attempt)::int, 'worker', \(workerName)::text, 'released', \(reason)::text))
                WHERE id = \(claim.id) AND attempt = \(claim.attempt) AND state = \(QueueState.running)
                """
            ).named("release_work_item"))
    }

    public func failExhausted(on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.work_items
                SET state = \(QueueState.failed), finalized_at = clock_timestamp(), lease_expires_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object(
                        'attempt', attempt, 'worker', attempted_by, 'error', 'lease expired: worker stopped heartbeating'))
                WHERE run_id = \(runID) AND state = \(QueueState.running) AND lease_expires_at < clock_timestamp() AND attempt >= max_attempts
                """
            ).named("fail_exhausted_work_items"))
    }

    public func counts(on connection: Connection) throws -> Counts {
        var c = Counts()
        for row in try connection.query(
            Query(
                """
                SELECT state, count(*)::int AS n, coalesce(sum(series_count), 0)::int AS series,
                       coalesce(sum(rows_written), 0)::int AS rows
                FROM forecast.work_items WHERE run_id = \(runID) GROUP BY state
                """
            ).named("count_work_items")
        ).rows {
            let n = try row.decode("n", as: Int.self)
            switch try row.decode("state", as: QueueState.self) {
            case .available: c.available = n
            case .running: c.running = n
            case .completed:
                c.completed = n
                c.completedSeries = try row.decode("series")
                c.rowsWritten = try row.decode("rows")
            case .failed: c.failed = n
            }
        }
        return c
    }
}
