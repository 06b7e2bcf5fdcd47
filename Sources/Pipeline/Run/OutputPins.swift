import Forecasting
import Foundation
import Postgres

/// Rollback of outputs: what `forecast.latest` serves for a frequency pinned to an earlier
/// published run, and unpinned again. Each switch is one transaction (consumers see the old rows
/// or the new ones, never a mix) and leaves a row in `forecast.output_pin_events`.
public enum OutputPins {
    public struct Pinned: Sendable {
        public let runID: Int64
        public let frequency: Frequency
        public let cutoff: PostgresDate
        public let rows: Int
        /// The run served before the switch.
        public let previousRunID: Int64?
    }

    /// Pins `runID` (published or superseded: a run that passed its output checks).
    public static func pin(runID: Int64, reason: String, on connection: Connection) throws -> Pinned {
        let reason = try required(reason)
        return try connection.transaction { tx in
            guard
                let run = try tx.query(
                    Query(
                        """
                        SELECT status, frequency, cutoff, coalesce(row_count, 0) AS rows FROM forecast.runs WHERE id = \(runID)
                        """
                    ).named("run_to_pin")
                ).first
            else {
                throw PipelineError.invalidArgument("no run with id \(runID)")
            }
            let status = try run.decode("status", as: String.self)
            guard status == "published" || status == "superseded" else {
                throw PipelineError.invalidArgument("run \(runID) is \(status); only a run that was published can be pinned")
            }
            let frequency = try run.decode("frequency", as: Frequency.self)
            let previous = try served(frequency, in: tx)
            try tx.execute(
                Query(
                    """
                    INSERT INTO forecast.output_pins (frequency, run_id, reason, os_user)
                    VALUES (\(frequency), \(runID), \(reason), \(AuditIdentity.osUser))
                    ON CONFLICT (frequency) DO UPDATE
                    SET run_id = excluded.run_id, reason = excluded.reason, pinned_by = session_user,
                        os_user = excluded.os_user, pinned_at = clock_timestamp()
                    """
                ).named("pin_output"))
            try event(frequency, "pin", runID: runID, reason: reason, in: tx)
            return Pinned(
                runID: runID, frequency: frequency, cutoff: try run.decode("cutoff"), rows: try run.decode("rows"),
                previousRunID: previous)
        }
    }

    /// Removes the pin of `frequency`: `latest` serves the newest published run again. Returns the
    /// run served now (nil when there is none), or throws when nothing was pinned.
    public static func unpin(frequency: Frequency, reason: String, on connection: Connection) throws -> Int64? {
        let reason = try required(reason)
        return try connection.transaction { tx in
            guard try tx.execute(Query("DELETE FROM forecast.output_pins WHERE frequency = \(frequency)").named("unpin_output")) == 1 else {
                throw PipelineError.invalidArgument("forecast.latest is not pinned for frequency \(frequency)")
            }
            try event(frequency, "unpin", runID: nil, reason: reason, in: tx)
            return try served(frequency, in: tx)
        }
    }

    static func served(_ frequency: Frequency, in tx: Connection) throws -> Int64? {
        try tx.query(Query("SELECT run_id FROM forecast.served_runs WHERE frequency = \(frequency)").named("served_run"))
            .first?.decodeIfPresent("run_id", as: Int64.self)
    }

    static func event(_ frequency: Frequency, _ action: String, runID: Int64?, reason: String, in tx: Connection) throws {
        try tx.execute(
            Query(
                """
                INSERT INTO forecast.output_pin_events (frequency, action, run_id, reason, os_user)
                VALUES (\(frequency), \(action), \(runID), \(reason), \(AuditIdentity.osUser))
                """
            ).named("output_pin_event"))
    }

    static func required(_ reason: String) throws -> String {
        let r = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !r.isEmpty else { throw PipelineError.invalidArgument("--reason is required: say why the output changes (it is recorded)") }
        return r
    }
}
