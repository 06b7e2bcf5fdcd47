import Forecasting
import Postgres

/// Every status change of a run, in one place. The transitions are those the database enforces
/// (migration 012, SQLSTATE FC001): queued -> running | failed; running -> published | failed;
/// published -> superseded. A run is published only when every work item completed (FC002) and
/// its output checks pass; rows go only into a running run (FC003).
public enum RunLifecycle {
    /// Planned: the manifest and counts are fixed and the run starts (`running`), or stays
    /// `queued` until its global models are trained. Inside the planner's transaction.
    static func planned(_ id: Int64, manifest: String, series: Int, items: Int, startRunning: Bool, in tx: Connection) throws {
        try tx.execute(
            Query(
                """
                UPDATE forecast.runs
                SET status = CASE WHEN \(startRunning) THEN 'running' ELSE 'queued' END,
                    started_at = clock_timestamp(), manifest = \(manifest)::jsonb,
                    series_count = \(series), work_item_count = \(items)
                WHERE id = \(id) AND status = 'queued'
                """
            ).named("start_run"))
    }

    /// queued -> running, once the run's global models are stored.
    static func startAfterTraining(_ id: Int64, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.runs SET status = 'running' WHERE id = \(id) AND status = 'queued'
                """
            ).named("start_run_after_training"))
    }

    /// queued | running -> failed, with the reason (a run already ended is left as it is).
    public static func fail(_ id: Int64, error: String, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.runs SET status = 'failed', error = \(error), finished_at = clock_timestamp()
                WHERE id = \(id) AND status IN ('queued', 'running')
                """
            ).named("mark_run_failed"))
    }

    /// queued -> failed when the process planning the run is gone: it holds a session lock
    /// (`RunStore.plannerLockKey`) until it has started the run, so a free lock on a queued run
    /// means the run will never start (the planner was killed, or its commit lost in a crash).
    /// Returns whether the run was failed; a run that has meanwhile started is left alone.
    static func failIfPlannerGone(_ id: Int64, on connection: Connection) throws -> Bool {
        guard try connection.tryAdvisoryLock(RunStore.plannerLockKey(id)) else { return false }
        RunStore.releasePlannerLock(id, on: connection)
        return try connection.execute(
            Query(
                """
                UPDATE forecast.runs SET status = 'failed', finished_at = clock_timestamp(),
                    error = 'the process planning this run stopped before the run started'
                WHERE id = \(id) AND status = 'queued'
                """
            ).named("fail_abandoned_plan")) == 1
    }

    /// running -> published, and the cutoff's previously published run -> superseded, in the
    /// publisher's transaction. Records the rows, the fallback count, what the workers read and
    /// the contract warnings.
    static func publish(
        _ id: Int64, cutoff: PostgresDate, frequency: Frequency, rows: Int, fallbackSeries: Int,
        in tx: Connection
    ) throws {
        try tx.execute(
            Query(
                """
                UPDATE forecast.runs SET status = 'superseded'
                WHERE cutoff = \(cutoff) AND frequency = \(frequency) AND status = 'published' AND id <> \(id)
                """
            ).named("supersede_previous_run"))
        try tx.execute(
            Query(
                """
                UPDATE forecast.runs
                SET status = 'published', published_at = clock_timestamp(), finished_at = clock_timestamp(),
                    row_count = \(rows), fallback_series = \(fallbackSeries),
                    manifest = jsonb_set(manifest, '{sales}', (manifest -> 'sales') || (
                        SELECT jsonb_build_object('rows', sum(rows_read), 'checksum', to_hex(bit_xor(read_checksum)))
                        FROM forecast.work_items WHERE run_id = \(id))),
                    warning_count = (SELECT count(*) FROM forecast.contract_results
                                     WHERE run_id = \(id) AND (severity = 'warn' OR waived_by IS NOT NULL) AND violations > 0)
                WHERE id = \(id)
                """
            ).named("publish_run"))
    }

    /// queued | running -> failed by an operator (`forecastctl cancel`), in the caller's transaction.
    static func cancel(_ id: Int64, reason: String, in tx: Connection) throws {
        try tx.execute(
            Query(
                """
                UPDATE forecast.runs
                SET status = 'failed', finished_at = clock_timestamp(), error = 'cancelled by ' || session_user || ': ' || \(reason)::text
                WHERE id = \(id)
                """
            ).named("cancel_run"))
    }
}
