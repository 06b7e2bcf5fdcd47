import Forecasting
import Foundation
import Postgres

/// `forecast.job_requests` (migration 038): the evaluate, monitor and retrain jobs the schedule
/// asks for (`forecast.enqueue_job`), taken by the worker daemons, retried with backoff. The
/// daemon holds a session advisory lock on the job it works on; a running job whose lock is free
/// lost its daemon (`rescue`).
public enum JobRequests {
    public enum Kind: String, Sendable, CaseIterable, PostgresCodable {
        case evaluate, monitor, retrain, retention

        /// What a daemon takes unless told otherwise: retention needs the schema owner.
        public static let workerRole: [Kind] = [.evaluate, .monitor, .retrain]

        public var postgresText: String { rawValue }
        public init?(postgresText: String) { self.init(rawValue: postgresText) }
    }

    public struct Job: Sendable {
        public let id: Int64
        public let kind: Kind
        public let frequency: Frequency
        public let attempt: Int
        public let maxAttempts: Int
    }

    /// The advisory lock a daemon holds while it works on job `id`.
    static func lockKey(_ id: Int64) -> Query { Query("hashtextextended('forecast job ' || \(id)::text, 0)") }

    /// Takes the oldest job that is due, counts the attempt and locks it for this session, in one statement.
    /// Asks the daemons for a job (`forecast.enqueue_job`: one waiting or running per kind and
    /// frequency); returns its id.
    public static func enqueue(_ kind: Kind, frequency: Frequency, on connection: Connection) throws -> Int64 {
        try connection.query(
            Query("SELECT forecast.enqueue_job(\(kind.rawValue), \(frequency.rawValue)) AS id").named("enqueue_job")
        ).first!.decode("id", as: Int64.self)
    }

    static func take(by worker: String, kinds: [Kind], on connection: Connection) throws -> Job? {
        guard !kinds.isEmpty else { return nil }
        return try connection.query(
            Query(
                """
                UPDATE forecast.job_requests SET state = \(QueueState.running), taken_by = \(worker), taken_at = clock_timestamp(),
                       attempt = attempt + 1
                WHERE id = (SELECT id FROM forecast.job_requests WHERE state = \(QueueState.available) AND scheduled_at <= clock_timestamp()
                              AND kind = ANY(\(kinds.map(\.rawValue))::text[])
                            ORDER BY scheduled_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, kind, frequency, attempt, max_attempts,
                          pg_advisory_lock(hashtextextended('forecast job ' || id::text, 0)) AS locked
                """
            ).named("take_job")
        ).first.map {
            Job(
                id: try $0.decode("id"), kind: try $0.decode("kind"), frequency: Frequency(rawValue: try $0.decode("frequency")) ?? .day,
                attempt: try $0.decode("attempt"), maxAttempts: try $0.decode("max_attempts"))
        }
    }

    /// Completed with `result`, or failed with `error`: retried after 1, 2, 4 ... minutes (at
    /// most an hour) while attempts remain, else failed for good. Releases the job's lock.
    static func finish(_ job: Job, worker: String, result: String?, error: String?, on connection: Connection) throws {
        // The job's attempt count is its own while it runs (taken, counted, locked by this daemon).
        let retry = error != nil && job.attempt < job.maxAttempts
        let state: QueueState = error == nil ? .completed : retry ? .available : .failed
        let backoff = min(3600, 60 * pow(2, Double(job.attempt - 1)))
        try connection.execute(
            Query(
                """
                UPDATE forecast.job_requests SET state = \(state),
                    finished_at = CASE WHEN \(retry) THEN NULL ELSE clock_timestamp() END,
                    scheduled_at = CASE WHEN \(retry) THEN clock_timestamp() + make_interval(secs => \(backoff)) ELSE scheduled_at END,
                    taken_by = CASE WHEN \(retry) THEN NULL ELSE taken_by END,
                    result = \(result), error = coalesce(\(error), error)
                WHERE id = \(job.id) AND state = \(QueueState.running) AND taken_by = \(worker)
                """
            ).named("finish_job"))
        try connection.execute(Query("SELECT pg_advisory_unlock(\(lockKey(job.id)))").named("unlock_job"))
    }

    /// Running jobs whose daemon is gone (their lock is free): available again while attempts
    /// remain (the lost attempt counts), else failed. Returns their ids.
    @discardableResult
    static func rescue(on connection: Connection) throws -> [Int64] {
        let running = try connection.query(
            Query("SELECT id FROM forecast.job_requests WHERE state = \(QueueState.running) ORDER BY id").named("running_jobs")
        ).rows.map { try $0.decode("id", as: Int64.self) }
        var rescued: [Int64] = []
        for id in running {
            guard
                try connection.query(Query("SELECT pg_try_advisory_lock(\(lockKey(id))) AS free").named("probe_job_lock")).first!.decode("free", as: Bool.self)
            else { continue }
            defer { _ = try? connection.execute(Query("SELECT pg_advisory_unlock(\(lockKey(id)))").named("unlock_job")) }
            let n = try connection.execute(
                Query(
                    """
                    UPDATE forecast.job_requests SET
                        state = CASE WHEN attempt < max_attempts THEN 'available' ELSE 'failed' END,
                        error = 'its daemon (' || coalesce(taken_by, '?') || ') stopped while it ran',
                        taken_by = NULL, finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE clock_timestamp() END
                    WHERE id = \(id) AND state = \(QueueState.running)
                    """
                ).named("rescue_job"))
            if n > 0 { rescued.append(id) }
        }
        return rescued
    }

    /// Ends a job that waits (`forecastctl cancel --job`): failed, with who cancelled it and why.
    /// A running job is refused (stop its daemon, whose job is then retried or failed), as are
    /// finished ones. Returns the kind of the cancelled job.
    public static func cancel(_ id: Int64, reason: String, on connection: Connection) throws -> Kind {
        try connection.transaction { tx in
            guard
                let row = try tx.query(
                    Query("SELECT kind, state, taken_by FROM forecast.job_requests WHERE id = \(id) FOR UPDATE").named("cancel_job_state")
                ).first
            else { throw PipelineError.invalidArgument("no job \(id)") }
            let state = try row.decode("state", as: QueueState.self)
            guard state == .available else {
                let daemon = try row.decodeIfPresent("taken_by", as: String.self) ?? "?"
                let hint = state == .running ? ": it runs on daemon \(daemon); stop that daemon (SIGTERM) to end it" : ""
                throw PipelineError.invalidArgument("job \(id) is \(state.rawValue), not waiting\(hint)")
            }
            try tx.execute(
                Query(
                    """
                    UPDATE forecast.job_requests SET state = \(QueueState.failed), finished_at = clock_timestamp(),
                           error = 'cancelled by ' || session_user || ': ' || \(reason)
                    WHERE id = \(id)
                    """
                ).named("cancel_job"))
            return try row.decode("kind", as: Kind.self)
        }
    }
}
