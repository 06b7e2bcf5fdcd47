import Forecasting
import Foundation
import Postgres

/// Stage changes of model versions: promotion (candidate -> shadow -> production), archiving and
/// rollback. Each change is one transaction; the database records every change with who, when
/// and why (`forecast.model_stage_events`, written by a trigger) and keeps at most one production
/// and one shadow version per frequency.
public enum ModelStages {
    public struct Change: Sendable {
        public let version: ModelVersion
        public let from: ModelVersion.Stage
        public let to: ModelVersion.Stage
        /// The version that left the stage (production -> archived, shadow -> candidate).
        public let replaced: ModelVersion?
        public let checks: [GateCheckRecord]
        public let forced: Bool
    }

    /// The gate did not pass and `--force` was not given.
    public struct GateBlocked: Error, CustomStringConvertible {
        public let version: String
        public let checks: [GateCheckRecord]
        public var description: String {
            let failed = checks.filter { !$0.passed }
            return "model version \(version) may not go to production: the accuracy gate failed \(failed.count) of \(checks.count) checks: "
                + failed.map { "\($0.name) (\($0.actual); required \($0.required))" }.joined(separator: "; ")
                + "; override with --force --reason \"...\" (recorded)"
        }
    }

    public static func promote(
        _ versionName: String, to stage: ModelVersion.Stage, force: Bool, reason: String?,
        inputSchema: SQLIdentifier = SQLIdentifier("demand"), on connection: Connection
    ) throws -> Change {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if force && (reason ?? "").isEmpty {
            throw PipelineError.invalidArgument("--force needs --reason \"...\": say why the gate is overridden (it is recorded)")
        }
        return try connection.transaction { tx in
            let version = try ModelRegistry.find(versionName, on: tx)
            try lock(version.frequency, in: tx)
            let current = try ModelRegistry.find(id: version.id, on: tx)
            guard current.stage != stage else {
                throw PipelineError.invalidArgument("model version \(versionName) is already \(stage.rawValue)")
            }
            var checks: [GateCheckRecord] = []
            var replaced: ModelVersion?
            switch stage {
            case .candidate:
                throw PipelineError.invalidArgument(
                    "a version goes back to candidate only when another replaces it in shadow; use --to shadow, production or archived")
            case .shadow:
                guard current.stage != .production else {
                    throw PipelineError.invalidArgument("model version \(versionName) is in production; `forecastctl rollback` replaces it")
                }
                replaced = try ModelRegistry.current(.shadow, frequency: version.frequency, on: tx)
                if let replaced {
                    try set(replaced, .candidate, reason: "replaced in shadow by \(versionName)", in: tx)
                }
            case .production:
                checks = current.gateChecks
                if let shadow = try ShadowEvaluation.measure(current, inputSchema: inputSchema, on: tx) {
                    checks.append(shadow.check)
                }
                if checks.isEmpty {
                    checks.append(GateCheckRecord(name: "qualifying backtest", required: "gate checks recorded", actual: "none", passed: false))
                }
                let passed = checks.allSatisfy(\.passed) && current.gatePassed
                if !passed && !force { throw GateBlocked(version: versionName, checks: checks) }
                replaced = try ModelRegistry.current(.production, frequency: version.frequency, on: tx)
                if let replaced {
                    try set(replaced, .archived, reason: "replaced in production by \(versionName)", in: tx)
                }
            case .archived:
                if current.stage == .production && !force {
                    throw PipelineError.invalidArgument(
                        "model version \(versionName) is in production: archiving it leaves runs on the bootstrap seasonal naive; use `forecastctl rollback`, or --force --reason"
                    )
                }
            }
            let passed = checks.allSatisfy(\.passed)
            let why =
                reason.flatMap { $0.isEmpty ? nil : $0 }
                ?? (stage == .production ? "promoted: the accuracy gate passed" : "promoted to \(stage.rawValue)")
            try set(current, stage, reason: why, forced: force && !passed, checks: checks, in: tx)
            return Change(
                version: try ModelRegistry.find(id: version.id, on: tx), from: current.stage, to: stage,
                replaced: replaced, checks: checks, forced: force && !passed)
        }
    }

    /// Makes the previous production version of `frequency` production again and archives the
    /// current one. No gate: the previous version served production before.
    public static func rollback(frequency: Frequency, reason: String?, on connection: Connection) throws -> Change {
        try connection.transaction { tx in
            try lock(frequency, in: tx)
            guard let current = try ModelRegistry.current(.production, frequency: frequency, on: tx) else {
                throw PipelineError.invalidArgument("no model version is in production for frequency \(frequency.rawValue): nothing to roll back")
            }
            guard let previous = try ModelRegistry.earlierProduction(frequency: frequency, on: tx).first else {
                throw PipelineError.invalidArgument(
                    "no earlier production version of frequency \(frequency.rawValue) to roll back to from \(current.version) (versions already rolled back from are skipped; promote one explicitly)"
                )
            }
            let why = reason.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } ?? "rollback"
            try set(current, .archived, reason: "\(rolledBackPrefix)\(previous.version): \(why)", in: tx)
            try set(previous, .production, reason: "rollback from \(current.version): \(why)", in: tx)
            return Change(
                version: try ModelRegistry.find(id: previous.id, on: tx), from: previous.stage, to: .production,
                replaced: current, checks: [], forced: false)
        }
    }

    /// The reason a rollback gives the version it archives; such a version is not rolled back to later.
    static let rolledBackPrefix = "rolled back to "

    /// Serializes stage changes of one frequency (the unique indexes are the last line of defence).
    static func lock(_ frequency: Frequency, in tx: Connection) throws {
        try tx.execute(
            Query("SELECT pg_advisory_xact_lock(hashtext('forecast.model_stages'), hashtext(\(frequency.rawValue)))")
                .named("lock_model_stages"))
    }

    static func set(
        _ version: ModelVersion, _ stage: ModelVersion.Stage, reason: String, forced: Bool = false,
        checks: [GateCheckRecord] = [], in tx: Connection
    ) throws {
        let gate = checks.isEmpty ? nil : String(decoding: try JSONEncoder.sorted.encode(checks), as: UTF8.self)
        do {
            try tx.execute(
                Query(
                    """
                    UPDATE forecast.model_stages SET stage = \(stage.rawValue), reason = \(reason), forced = \(forced),
                           gate = \(gate)::jsonb, os_user = \(AuditIdentity.osUser)
                    WHERE model_version_id = \(version.id)
                    """
                ).named("set_model_stage"))
        } catch let error as PostgresError where error.sqlState?.code == "42501" {
            throw PipelineError.configuration(
                "promoting to production or archiving needs the owner of the forecast schema (the worker role registers candidates and puts them in shadow): \(error)"
            )
        }
    }
}
