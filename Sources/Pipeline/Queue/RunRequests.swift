import Forecasting
import Foundation
import Postgres

/// `forecast.run_requests`: runs the schedule asked for (`forecast.enqueue_run`), taken by worker daemons.
public enum RunRequests {
    public struct Request: Sendable {
        public let id: Int64
        public let frequency: Frequency
        public let cutoff: PostgresDate
        public let horizon: Int?
    }

    /// The advisory lock the daemon that took request `id` holds on its session until it is done
    /// with it (the run, then its monitor pass): `reconcile` settles only requests whose lock is
    /// free, that is whose daemon is gone. Before it, a daemon that found a request's cutoff
    /// published marked it completed while its own daemon was still in the monitor pass (at a
    /// million series, 100 s of it).
    static func lockKey(_ id: Query) -> Query { Query("hashtextextended('forecast run request ' || \(id)::text, 0)") }

    /// Takes the oldest available request (one daemon gets each) and locks it for this session.
    static func take(by worker: String, on connection: Connection) throws -> Request? {
        try connection.query(
            Query(
                """
                UPDATE forecast.run_requests SET state = \(QueueState.running), taken_by = \(worker), taken_at = clock_timestamp()
                WHERE id = (SELECT id FROM forecast.run_requests WHERE state = \(QueueState.available)
                            ORDER BY cutoff, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, frequency, cutoff, horizon, pg_advisory_lock(\(lockKey("id"))) AS locked
                """
            ).named("take_run_request")
        ).first.map {
            Request(
                id: try $0.decode("id"), frequency: Frequency(rawValue: try $0.decode("frequency")) ?? .day,
                cutoff: try $0.decode("cutoff"), horizon: try $0.decodeIfPresent("horizon", as: Int.self))
        }
    }

    /// Links a request to the run made (or joined) for it, as soon as that run exists: a run that
    /// then fails (a blocking contract, a failed item) stays findable from its request.
    static func link(_ id: Int64, runID: Int64, on connection: Connection) throws {
        try connection.execute(Query("UPDATE forecast.run_requests SET run_id = \(runID) WHERE id = \(id)").named("link_run_request"))
    }

    static func finish(_ id: Int64, runID: Int64?, error: String?, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.run_requests SET state = \(error == nil ? QueueState.completed : .failed),
                       run_id = coalesce(\(runID)::bigint, run_id), error = \(error)::text, finished_at = clock_timestamp()
                WHERE id = \(id)
                """
            ).named("finish_run_request"))
    }

    /// Ends this session's hold on request `id` (taken by `take`).
    static func unlock(_ id: Int64, on connection: Connection) throws {
        try connection.execute(Query("SELECT pg_advisory_unlock(\(lockKey("\(id)")))").named("unlock_run_request"))
    }

    /// Hands a request back (the daemon was stopped before its run was created).
    static func release(_ id: Int64, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.run_requests SET state = \(QueueState.available), taken_by = NULL, taken_at = NULL
                WHERE id = \(id) AND state = \(QueueState.running)
                """
            ).named("release_run_request"))
    }

    /// Requests whose daemon died: done once their cutoff is published (another daemon finished
    /// the run), available again when no run for the cutoff is in flight after `staleSeconds`.
    static func reconcile(staleSeconds: Double, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.run_requests q SET state = \(QueueState.completed), finished_at = clock_timestamp(),
                       run_id = (SELECT r.id FROM forecast.runs r WHERE r.frequency = q.frequency AND r.cutoff = q.cutoff AND r.status = 'published')
                WHERE q.state = \(QueueState.running) AND EXISTS (SELECT 1 FROM forecast.runs r
                                                      WHERE r.frequency = q.frequency AND r.cutoff = q.cutoff AND r.status = 'published')
                  AND pg_try_advisory_xact_lock(\(lockKey("q.id")))
                """
            ).named("reconcile_done_requests"))
        try connection.execute(
            Query(
                """
                UPDATE forecast.run_requests q SET state = \(QueueState.available), taken_by = NULL, taken_at = NULL
                WHERE q.state = \(QueueState.running) AND q.taken_at < clock_timestamp() - make_interval(secs => \(staleSeconds))
                  AND NOT EXISTS (SELECT 1 FROM forecast.runs r WHERE r.frequency = q.frequency AND r.cutoff = q.cutoff
                                  AND r.status IN ('queued', 'running', 'published'))
                  AND pg_try_advisory_xact_lock(\(lockKey("q.id")))
                """
            ).named("reconcile_abandoned_requests"))
    }

    /// A running run with work left to claim (available items, or leases that expired).
    static func joinable(on connection: Connection) throws -> Int64? {
        try connection.query(
            Query(
                """
                SELECT r.id FROM forecast.runs r
                WHERE r.status = 'running' AND EXISTS (
                    SELECT 1 FROM forecast.work_items w WHERE w.run_id = r.id
                      AND (w.state = \(QueueState.available) OR (w.state = \(QueueState.running) AND w.lease_expires_at < clock_timestamp())))
                ORDER BY r.cutoff, r.id LIMIT 1
                """
            ).named("joinable_run")
        ).first?.decode("id", as: Int64.self)
    }
}
