import Postgres

/// Puts a request back on its queue after its cause was fixed (`forecastctl requeue`): the SQL the
/// runbook used to spell out by hand, with the state checked in the same statement. A run request
/// is requeued when it failed; a retrain request when it failed, or, with `stuck`, when it is still
/// `running` after its process died (retrain requests have no heartbeat to tell). Anything else is
/// refused with the request's state, so a request that is being worked on is never taken twice.
/// Every requeue is recorded in `forecast.queue_events` (migration 036) with the reason, the
/// roles and the error the request had, which the requeue clears.
public enum Requeue {
    public enum Queue: String, Sendable {
        case runRequests = "run request"
        case retrainRequests = "retrain request"
        case jobRequests = "job"

        var table: SQLIdentifier {
            switch self {
            case .runRequests: return SQLIdentifier("run_requests")
            case .retrainRequests: return SQLIdentifier("retrain_requests")
            case .jobRequests: return SQLIdentifier("job_requests")
            }
        }
    }

    /// Returns the request's previous state.
    @discardableResult
    public static func requeue(_ queue: Queue, id: Int64, stuck: Bool = false, reason: String, on connection: Connection) throws -> QueueState {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw PipelineError.invalidArgument("--reason must say why the request may run again") }
        return try connection.transaction { tx in
            // Read by the trigger that records the event (`forecast.record_requeue`), for this transaction only.
            try tx.execute(
                Query(
                    "SELECT set_config('forecast.reason', \(reason), true), set_config('forecast.os_user', \(AuditIdentity.osUser), true)"
                ).named("requeue_audit"))
            guard
                let row = try tx.query(
                    Query("SELECT state FROM forecast.\(ident: queue.table) WHERE id = \(id) FOR UPDATE").named("requeue_state")
                ).first
            else {
                throw PipelineError.invalidArgument("no \(queue.rawValue) \(id)")
            }
            let state = try row.decode("state", as: QueueState.self)
            let allowed = state == .failed || (queue == .retrainRequests && stuck && state == .running)
            guard allowed else {
                let hint =
                    queue == .retrainRequests && state == .running
                    ? ": if its process died, say so with --stuck" : state == .available ? ": it is already waiting" : ""
                throw PipelineError.invalidArgument("\(queue.rawValue) \(id) is \(state.rawValue), not failed\(hint)")
            }
            switch queue {
            case .runRequests:
                try tx.execute(
                    Query(
                        """
                        UPDATE forecast.run_requests SET state = \(QueueState.available), error = NULL, taken_by = NULL, taken_at = NULL,
                               finished_at = NULL
                        WHERE id = \(id)
                        """
                    ).named("requeue_run_request"))
            case .retrainRequests:
                try tx.execute(
                    Query(
                        """
                        UPDATE forecast.retrain_requests SET state = \(QueueState.available), error = NULL, started_at = NULL, finished_at = NULL
                        WHERE id = \(id)
                        """
                    ).named("requeue_retrain_request"))
            case .jobRequests:
                // Its attempts start over: the cause was fixed, so it gets its retries again.
                try tx.execute(
                    Query(
                        """
                        UPDATE forecast.job_requests SET state = \(QueueState.available), error = NULL, result = NULL, taken_by = NULL,
                               taken_at = NULL, finished_at = NULL, attempt = 0, scheduled_at = clock_timestamp()
                        WHERE id = \(id)
                        """
                    ).named("requeue_job"))
            }
            return state
        }
    }
}
