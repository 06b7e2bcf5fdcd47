import Forecasting
import Foundation
import Postgres

/// One row of `forecast.runs`.
public struct RunRecord: Sendable {
    public enum Status: String, Sendable { case queued, running, published, failed, superseded }

    public let id: Int64
    public let cutoff: PostgresDate
    public let asOf: PostgresTimestamp
    public let status: Status
    public let config: RunConfig
    public let modelVersion: String
    public let seriesCount: Int?
    public let startedAt: PostgresTimestamp?
    public let error: String?
}

/// Creates, finds and updates runs.
public enum RunStore {
    public enum Creation: Sendable {
        /// A new run; this process owns contracts and planning.
        case created(Int64)
        /// A run for this cutoff is already queued or running: join it as a worker.
        case joined(Int64)
        /// Already published and `--force` not given: nothing to do.
        case alreadyPublished(Int64)
    }

    /// Session advisory lock held by the process that plans a queued run; if it is free while
    /// the run is still queued, that process died.
    public static func plannerLockKey(_ runID: Int64) -> Int64 { 0x0F0D_0000_0000 + runID }

    public static func createOrJoin(
        cutoff: PostgresDate, asOf: PostgresTimestamp, config: RunConfig, force: Bool,
        on connection: Connection
    ) throws -> Creation {
        let configJSON = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        let modelVersion = try config.modelVersion()
        do {
            return try createOrJoinLocked(
                cutoff: cutoff, asOf: asOf, config: config, configJSON: configJSON,
                modelVersion: modelVersion, force: force, on: connection)
        } catch is CutoffLockTimeout {
            throw PipelineError.cutoffLocked(try cutoffLockHolder(cutoff, config.frequency, on: connection))
        }
    }

    struct CutoffLockTimeout: Error {}
    /// How long `run` waits for the cutoff's lock (held by other runs for milliseconds only).
    static let cutoffLockWait = "10s"

    /// Who holds the cutoff's lock row, in words an operator can act on: a row lock shows in
    /// pg_locks only as its holder's lock on the table, so this names the session with the
    /// oldest open transaction holding one (other cutoffs' runs hold it for milliseconds).
    static func cutoffLockHolder(_ cutoff: PostgresDate, _ frequency: Frequency, on connection: Connection) throws -> String {
        let row = try connection.query(
            Query(
                """
                SELECT a.pid, coalesce(a.usename::text, '?') AS usename, coalesce(a.application_name, '') AS app,
                       coalesce(round(extract(epoch FROM clock_timestamp() - a.xact_start))::int, 0) AS seconds
                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'relation' AND l.granted AND l.relation = 'forecast.cutoff_locks'::regclass
                  AND l.pid <> pg_backend_pid()
                ORDER BY a.xact_start
                LIMIT 1
                """
            ).named("cutoff_lock_holder")
        ).first
        let who =
            try row.map {
                "held by backend \(try $0.decode("pid", as: Int.self)) (user \(try $0.decode("usename", as: String.self)), application '\(try $0.decode("app", as: String.self))', transaction open \(try $0.decode("seconds", as: Int.self)) s)"
            } ?? "held by a session that has since gone"
        return
            "the lock of cutoff \(cutoff) (row of forecast.cutoff_locks) is \(who); a run cannot start while it is held: end that session (SELECT pg_terminate_backend(pid)) or wait, then run again"
    }

    static func createOrJoinLocked(
        cutoff: PostgresDate, asOf: PostgresTimestamp, config: RunConfig, configJSON: String,
        modelVersion: String, force: Bool, on connection: Connection
    ) throws -> Creation {
        let parts = try config.partsJSON()
        return try connection.transaction { tx in
            try tx.setLocal("lock_timeout", cutoffLockWait)
            do {
                try tx.execute(
                    Query(
                        """
                        INSERT INTO forecast.cutoff_locks (frequency, cutoff) VALUES (\(config.frequency.rawValue), \(cutoff))
                        ON CONFLICT DO NOTHING
                        """
                    ).named("cutoff_lock_row"))
                try tx.execute(
                    Query(
                        """
                        SELECT 1 FROM forecast.cutoff_locks WHERE frequency = \(config.frequency.rawValue) AND cutoff = \(cutoff) FOR UPDATE
                        """
                    ).named("cutoff_lock"))
            } catch let error as PostgresError where error.sqlState == .lockNotAvailable {
                throw CutoffLockTimeout()
            }
            try tx.setLocal("lock_timeout", "0")
            let existing = try tx.query(
                Query(
                    """
                    SELECT id, status, config::text AS config FROM forecast.runs
                    WHERE cutoff = \(cutoff) AND frequency = \(config.frequency.rawValue) AND status IN ('queued', 'running', 'published')
                    ORDER BY id DESC
                    """
                ).named("find_runs_for_cutoff")
            ).rows
            for row in existing {
                let id = try row.decode("id", as: Int64.self)
                let status = try row.decode("status", as: String.self)
                if status == "queued" {
                    if try RunLifecycle.failIfPlannerGone(id, on: tx) { continue }
                    try requireSameOutput(id, running: try row.decode("config"), requested: config)
                    return .joined(id)
                }
                if status == "running" {
                    try requireSameOutput(id, running: try row.decode("config"), requested: config)
                    return .joined(id)
                }
                if status == "published" && !force { return .alreadyPublished(id) }
            }
            let id = try tx.query(
                Query(
                    """
                    INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, recipe, checks, operations,
                                               code_version, model_version)
                    VALUES (\(cutoff), \(asOf), \(config.frequency.rawValue), \(config.horizon), \(configJSON)::jsonb,
                            \(parts.recipe)::jsonb, \(parts.checks)::jsonb, \(parts.operations)::jsonb,
                            \(CodeVersion.current), \(modelVersion))
                    RETURNING id
                    """
                ).named("create_run")
            ).first!.decode("id", as: Int64.self)
            // Session-level: survives this COMMIT, released when the planner finishes or dies.
            try tx.query(Query("SELECT pg_advisory_lock(\(plannerLockKey(id)))").named("planner_lock"))
            return .created(id)
        }
    }

    /// Joining a run in flight is only right when it makes the rows the caller asked for: a
    /// different recipe (horizon, model or selection, served or shadow version, calibration,
    /// level, input schema, attributes) is refused (the run in flight is left alone) rather than
    /// silently served with its own definition.
    static func requireSameOutput(_ id: Int64, running json: String, requested: RunConfig) throws {
        let running = try JSONDecoder().decode(RunConfig.self, from: Data(json.utf8))
        // The recipe, not the operations: a join with another chunk size or lease serves the same rows.
        let differences = running.recipe.differences(from: requested.recipe)
        if !differences.isEmpty { throw PipelineError.runInFlight(runID: id, reason: differences.joined(separator: ", ")) }
    }

    /// The given as-of time, or the database's clock (shared by every host) when none is given.
    /// How far ahead of the database's clock an `--as-of` may be (clock skew between hosts).
    public static let asOfSkewSeconds = 300

    /// The knowledge time: `given`, or the database's clock. An as-of in the future is refused: it
    /// would read rows "known" later than now and, published, take `latest` over from tomorrow.
    public static func asOf(_ given: PostgresTimestamp?, on connection: Connection) throws -> PostgresTimestamp {
        guard
            let row = try connection.query(
                Query(
                    """
                    SELECT clock_timestamp() AS now, \(given)::timestamptz > clock_timestamp() + make_interval(secs => \(asOfSkewSeconds)) AS future
                    """
                ).named("now")
            ).first
        else {
            throw PostgresError(kind: .protocolViolation, message: "SELECT clock_timestamp() returned no row")
        }
        guard let given else { return try row.decode("now") }
        if try row.decodeIfPresent("future", as: Bool.self) == true {
            throw PipelineError.invalidArgument(
                "--as-of \(given) is in the future (the database's clock says \(try row.decode("now", as: PostgresTimestamp.self))); nothing can be known then yet"
            )
        }
        return given
    }

    public static func load(_ id: Int64, on connection: Connection) throws -> RunRecord {
        guard
            let row = try connection.query(
                Query(
                    """
                    SELECT id, cutoff, as_of, status, config::text AS config, model_version, series_count, started_at, error
                    FROM forecast.runs WHERE id = \(id)
                    """
                ).named("load_run")
            ).first
        else {
            throw PipelineError.invalidArgument("no run with id \(id)")
        }
        let configText = try row.decode("config", as: String.self)
        let config: RunConfig
        do {
            config = try JSONDecoder().decode(RunConfig.self, from: Data(configText.utf8))
        } catch {
            throw PipelineError.configuration("run \(id) has a config this version cannot read: \(error)")
        }
        guard let status = RunRecord.Status(rawValue: try row.decode("status", as: String.self)) else {
            throw PipelineError.configuration("run \(id) has an unknown status")
        }
        return RunRecord(
            id: id, cutoff: try row.decode("cutoff"), asOf: try row.decode("as_of"), status: status,
            config: config, modelVersion: try row.decode("model_version"),
            seriesCount: try row.decodeIfPresent("series_count"),
            startedAt: try row.decodeIfPresent("started_at"), error: try row.decodeIfPresent("error"))
    }

    public static func status(_ id: Int64, on connection: Connection) throws -> RunRecord.Status {
        let text = try connection.query(Query("SELECT status FROM forecast.runs WHERE id = \(id)").named("run_status"))
            .first?.decode("status", as: String.self)
        guard let text, let status = RunRecord.Status(rawValue: text) else {
            throw PipelineError.invalidArgument("no run with id \(id)")
        }
        return status
    }

    public static func releasePlannerLock(_ id: Int64, on connection: Connection) {
        _ = try? connection.query(Query("SELECT pg_advisory_unlock(\(plannerLockKey(id)))").named("advisory_unlock"))
    }

    /// Which registry version the run serves, which shadow it also writes, and why (a bootstrap,
    /// a fallback after a refused artifact).
    static func recordServing(_ id: Int64, _ resolution: RunResolution, on connection: Connection) throws {
        let notes = resolution.notes, config = resolution.config
        try connection.execute(
            Query(
                """
                UPDATE forecast.runs SET serving = \(resolution.serving.label), model_version_id = \(config.served?.id),
                       shadow_version_id = \(config.shadow?.version.id),
                       serving_note = \(notes.isEmpty ? nil : notes.joined(separator: "; "))
                WHERE id = \(id)
                """
            ).named("record_serving"))
    }

    /// Client CPU seconds of the run-level steps.
    static func recordCPU(_ id: Int64, seconds: Double, on connection: Connection) throws {
        try connection.execute(Query("UPDATE forecast.runs SET cpu_seconds = \(seconds) WHERE id = \(id)").named("record_cpu"))
    }

    /// Bytes the run's rows take, once it is published.
    static func recordBytes(_ id: Int64, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.runs SET bytes_stored = forecast.run_bytes(\(id)) WHERE id = \(id)
                """
            ).named("record_bytes"))
    }

    /// Indexes the published run's forecasts partition by location (migration 041), so that
    /// `forecast.latest` by location reads only that location's rows; false when it is not published.
    static func indexPublished(_ id: Int64, on connection: Connection) throws -> Bool {
        try connection.query(Query("SELECT forecast.index_published_run(\(id)) AS done").named("index_published_run")).first?
            .decode("done", as: Bool.self) ?? false
    }

    public static func recordTiming(_ id: Int64, _ key: String, seconds: Double, on connection: Connection) throws {
        try connection.execute(
            Query(
                """
                UPDATE forecast.runs SET timings = timings || jsonb_build_object(\(key)::text, round(\(seconds)::numeric, 3))
                WHERE id = \(id)
                """
            ).named("record_timing"))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
