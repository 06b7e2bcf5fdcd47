import Forecasting
import Foundation
import Postgres

/// One registered model version with its stage (`forecast.model_versions`, `forecast.model_stages`).
public struct ModelVersion: Sendable {
    public enum Stage: String, Sendable, CaseIterable, Codable {
        case candidate, shadow, production, archived
    }

    public let id: Int64
    public let version: String
    public let label: String
    public let frequency: Frequency
    public let policy: ForecastPolicy
    public let stage: Stage
    public let horizon: Int
    public let trainingCutoff: PostgresDate
    public let asOf: PostgresTimestamp
    public let backtestID: Int64
    public let gatePassed: Bool
    /// JSON: the gate checks on the qualifying backtest.
    public let gateJSON: String
    /// JSON: `VersionMetrics`.
    public let metricsJSON: String
    public let manifestJSON: String
    public let codeVersion: String
    public let gitCommit: String?
    public let configHash: String
    public let policyHash: String
    public let createdAt: PostgresTimestamp
    public let createdBy: String
    public let osUser: String?

    public var served: ServedVersion { ServedVersion(id: id, version: version) }

    public var metrics: VersionMetrics {
        get throws { try JSONDecoder().decode(VersionMetrics.self, from: Data(metricsJSON.utf8)) }
    }

    public var gateChecks: [GateCheckRecord] {
        (try? JSONDecoder().decode([GateCheckRecord].self, from: Data(gateJSON.utf8))) ?? []
    }
}

/// A gate check as stored with a version or a stage change.
public struct GateCheckRecord: Codable, Sendable {
    public let name: String, required: String, actual: String, passed: Bool
    public init(_ c: AccuracyGate.Check) { (name, required, actual, passed) = (c.name, c.required, c.actual, c.passed) }
    public init(name: String, required: String, actual: String, passed: Bool) {
        (self.name, self.required, self.actual, self.passed) = (name, required, actual, passed)
    }
}

/// One row of `forecast.model_stage_events`.
public struct StageEvent: Sendable {
    public let version: String
    public let from: String?
    public let to: String
    public let reason: String
    public let forced: Bool
    public let dbRole: String
    public let osUser: String?
    public let at: PostgresTimestamp
}

/// Reads the registry. Writes are `ModelTrainer.register` (a new candidate) and `ModelStages` (promotion, rollback).
public enum ModelRegistry {
    static let columns: Query = """
        SELECT v.id, v.version, v.label, v.frequency, v.policy::text AS policy, coalesce(s.stage, 'candidate') AS stage,
               v.horizon, v.training_cutoff, v.as_of, v.backtest_id, v.gate_passed, v.gate::text AS gate,
               v.metrics::text AS metrics, v.input_manifest::text AS manifest, v.code_version, v.git_commit,
               v.config_hash, v.policy_hash, v.created_at, v.created_by, v.os_user
        FROM forecast.model_versions v LEFT JOIN forecast.model_stages s ON s.model_version_id = v.id
        """

    static func decode(_ row: Row) throws -> ModelVersion {
        let frequencyText = try row.decode("frequency", as: String.self)
        guard let frequency = Frequency(rawValue: frequencyText) else {
            throw PipelineError.configuration("model version has unknown frequency '\(frequencyText)'")
        }
        return ModelVersion(
            id: try row.decode("id"), version: try row.decode("version"), label: try row.decode("label"), frequency: frequency,
            policy: try JSONDecoder().decode(ForecastPolicy.self, from: Data(try row.decode("policy", as: String.self).utf8)),
            stage: ModelVersion.Stage(rawValue: try row.decode("stage")) ?? .candidate, horizon: try row.decode("horizon"),
            trainingCutoff: try row.decode("training_cutoff"), asOf: try row.decode("as_of"), backtestID: try row.decode("backtest_id"),
            gatePassed: try row.decode("gate_passed"), gateJSON: try row.decode("gate"), metricsJSON: try row.decode("metrics"),
            manifestJSON: try row.decode("manifest"), codeVersion: try row.decode("code_version"),
            gitCommit: try row.decodeIfPresent("git_commit", as: String.self), configHash: try row.decode("config_hash"),
            policyHash: try row.decode("policy_hash"), createdAt: try row.decode("created_at"), createdBy: try row.decode("created_by"),
            osUser: try row.decodeIfPresent("os_user", as: String.self))
    }

    /// Every version (of one frequency), newest first.
    public static func list(frequency: Frequency? = nil, on connection: Connection) throws -> [ModelVersion] {
        try connection.query(
            Query(
                """
                \(columns) WHERE (\(frequency?.rawValue)::text IS NULL OR v.frequency = \(frequency?.rawValue)::text) ORDER BY v.id DESC
                """
            ).named("list_model_versions")
        ).rows.map(decode)
    }

    public static func find(_ version: String, on connection: Connection) throws -> ModelVersion {
        guard let row = try connection.query(Query("\(columns) WHERE v.version = \(version)").named("find_model_version")).first else {
            throw PipelineError.invalidArgument("no model version '\(version)'; list them with `forecastctl models list`")
        }
        return try decode(row)
    }

    public static func find(id: Int64, on connection: Connection) throws -> ModelVersion {
        guard let row = try connection.query(Query("\(columns) WHERE v.id = \(id)").named("find_model_version_id")).first else {
            throw PipelineError.invalidArgument("no model version with id \(id)")
        }
        return try decode(row)
    }

    /// The version in `stage` for a frequency (production and shadow: at most one each).
    public static func current(_ stage: ModelVersion.Stage, frequency: Frequency, on connection: Connection) throws -> ModelVersion? {
        try connection.query(
            Query(
                """
                \(columns) WHERE s.stage = \(stage.rawValue) AND s.frequency = \(frequency.rawValue) ORDER BY s.changed_at DESC LIMIT 1
                """
            ).named("current_model_version")
        ).first.map(decode)
    }

    /// The production version, then the earlier ones, newest promotion first: what a run falls back to.
    public static func productionHistory(frequency: Frequency, on connection: Connection) throws -> [ModelVersion] {
        try connection.query(
            Query(
                """
                \(columns)
                JOIN (SELECT model_version_id, max(id) AS last_promoted FROM forecast.model_stage_events
                      WHERE frequency = \(frequency.rawValue) AND to_stage = 'production' GROUP BY model_version_id) e
                  ON e.model_version_id = v.id
                ORDER BY (s.stage = 'production') DESC, e.last_promoted DESC
                """
            ).named("production_history")
        ).rows.map(decode)
    }

    /// The versions that served production before the current one, newest promotion first,
    /// without those a rollback moved away from (known bad): what `rollback` restores and what a
    /// run falls back to when the production version's artifacts are refused.
    public static func earlierProduction(frequency: Frequency, on connection: Connection) throws -> [ModelVersion] {
        let rolledBack = Set(
            try connection.query(
                Query(
                    """
                    SELECT DISTINCT ON (model_version_id) model_version_id, reason FROM forecast.model_stage_events
                    WHERE frequency = \(frequency.rawValue) ORDER BY model_version_id, id DESC
                    """
                ).named("last_stage_events")
            ).rows.compactMap { row -> Int64? in
                try row.decode("reason", as: String.self).hasPrefix(ModelStages.rolledBackPrefix) ? try row.decode("model_version_id", as: Int64.self) : nil
            })
        return try productionHistory(frequency: frequency, on: connection).filter { $0.stage != .production && !rolledBack.contains($0.id) }
    }

    /// Stage changes (of one version, or of a frequency), oldest first.
    public static func events(versionID: Int64? = nil, frequency: Frequency? = nil, on connection: Connection) throws -> [StageEvent] {
        try connection.query(
            Query(
                """
                SELECT v.version, e.from_stage, e.to_stage, e.reason, e.forced, e.db_role, e.os_user, e.at
                FROM forecast.model_stage_events e JOIN forecast.model_versions v ON v.id = e.model_version_id
                WHERE (\(versionID)::bigint IS NULL OR e.model_version_id = \(versionID)::bigint)
                  AND (\(frequency?.rawValue)::text IS NULL OR e.frequency = \(frequency?.rawValue)::text)
                ORDER BY e.id
                """
            ).named("stage_events")
        ).rows.map {
            StageEvent(
                version: try $0.decode("version"), from: try $0.decodeIfPresent("from_stage", as: String.self),
                to: try $0.decode("to_stage"), reason: try $0.decode("reason"), forced: try $0.decode("forced"),
                dbRole: try $0.decode("db_role"), osUser: try $0.decodeIfPresent("os_user", as: String.self),
                at: try $0.decode("at"))
        }
    }

    /// The next version string: a retrain of an existing recipe (same policy hash) bumps the minor
    /// number of that recipe's major line; a new recipe starts the next major line.
    static func nextVersion(policyHash: String, on connection: Connection) throws -> String {
        let row = try connection.query(
            Query(
                """
                SELECT (SELECT split_part(version, '.', 1)::int FROM forecast.model_versions
                        WHERE policy_hash = \(policyHash) ORDER BY id DESC LIMIT 1) AS line,
                       coalesce((SELECT max(split_part(version, '.', 1)::int) FROM forecast.model_versions), 0) AS top
                """
            ).named("version_lines")
        ).first!
        guard let line = try row.decodeIfPresent("line", as: Int.self) else {
            return "\(try row.decode("top", as: Int.self) + 1).0.0"
        }
        let minor = try connection.query(
            Query(
                """
                SELECT coalesce(max(split_part(version, '.', 2)::int), -1) AS m FROM forecast.model_versions
                WHERE split_part(version, '.', 1)::int = \(line)
                """
            ).named("version_minor")
        ).first!.decode("m", as: Int.self)
        return "\(line).\(minor + 1).0"
    }
}
