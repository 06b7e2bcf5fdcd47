import Postgres

/// The documented recovery for anything stuck, and the cleanup of failed runs' rows.
public enum RunMaintenance {
    public struct Cancelled: Sendable {
        public let runID: Int64
        public let previousStatus: String
        public let itemsStopped: Int
    }

    /// Fails a queued or running run cleanly: its unfinished work items fail too (no worker will
    /// claim them; one still holding an item cannot commit it), `forecast.latest` is untouched.
    public static func cancel(runID: Int64, reason: String, on connection: Connection) throws -> Cancelled {
        try connection.transaction { tx in
            guard
                let row = try tx.query(
                    Query("SELECT status FROM forecast.runs WHERE id = \(runID) FOR UPDATE")
                        .named("lock_run_for_cancel")
                ).first
            else {
                throw PipelineError.invalidArgument("no run with id \(runID)")
            }
            let status = try row.decode("status", as: String.self)
            guard status == "queued" || status == "running" else {
                throw PipelineError.invalidArgument("run \(runID) is \(status); only a queued or running run can be cancelled")
            }
            let stopped = try tx.execute(
                Query(
                    """
                    UPDATE forecast.work_items
                    SET state = 'failed', finalized_at = clock_timestamp(), lease_expires_at = NULL,
                        errors = errors || jsonb_build_array(jsonb_build_object('cancelled', \(reason)::text, 'by', session_user))
                    WHERE run_id = \(runID) AND state IN ('available', 'running')
                    """
                ).named("cancel_work_items"))
            try RunLifecycle.cancel(runID, reason: reason, in: tx)
            return Cancelled(runID: runID, previousStatus: status, itemsStopped: stopped)
        }
    }

    /// Fails a running backtest by hand (`cancel --backtest`): its process, if alive, finds it failed
    /// when it finishes and stores nothing as finished. Also fails every abandoned backtest first.
    public static func cancelBacktest(_ id: Int64, reason: String, on connection: Connection) throws -> (abandoned: [Int64], status: String) {
        let abandoned = try BacktestHeartbeat.failAbandoned(on: connection)
        return try connection.transaction { tx in
            guard
                let row = try tx.query(
                    Query("SELECT status FROM forecast.backtests WHERE id = \(id) FOR UPDATE")
                        .named("lock_backtest_for_cancel")
                ).first
            else {
                throw PipelineError.invalidArgument("no backtest with id \(id)")
            }
            let status = try row.decode("status", as: String.self)
            if abandoned.contains(id) { return (abandoned, "running") }
            guard status == "running" else {
                throw PipelineError.invalidArgument("backtest \(id) is \(status); only a running backtest can be cancelled")
            }
            try tx.execute(
                Query(
                    """
                    UPDATE forecast.backtests SET status = 'failed', finished_at = clock_timestamp(),
                        error = format('cancelled by %s: %s', session_user, \(reason)::text)
                    WHERE id = \(id)
                    """
                ).named("cancel_backtest"))
            return (abandoned, status)
        }
    }

    /// Deletes the forecast rows of failed runs (what their completed work items wrote before the
    /// run failed; never visible in `forecast.latest`). Needs DELETE on forecast.forecasts: the
    /// schema owner, not the worker role. Returns the rows deleted per run.
    public static func pruneFailed(on connection: Connection) throws -> [(runID: Int64, rows: Int)] {
        try connection.query(
            Query(
                """
                WITH deleted AS (
                    DELETE FROM forecast.forecasts f USING forecast.runs r
                    WHERE f.run_id = r.id AND r.status = 'failed'
                    RETURNING f.run_id)
                SELECT run_id, count(*)::int AS n FROM deleted GROUP BY run_id ORDER BY run_id
                """
            ).named("prune_failed_runs")
        ).rows.map { (try $0.decode("run_id", as: Int64.self), try $0.decode("n", as: Int.self)) }
    }
}
