import Pipeline
import Postgres

/// `models show VERSION --format json` (issue 31, item 1): the version, its artifacts, its gate and
/// its stage history as listings with stable field names.
extension ModelsCommand.Show {
    static func listings(_ v: ModelVersion, _ m: VersionMetrics, on connection: Connection) throws -> [Listing] {
        var version = Listing(
            "version",
            columns: [
                .init("version"), .init("id"), .init("label"), .init("stage"), .init("frequency"), .init("policy"), .init("horizon"),
                .init("interval_level"), .init("training_cutoff"), .init("as_of"), .init("backtest_id"), .init("wape"),
                .init("baseline"), .init("baseline_wape"), .init("bias"), .init("gate_passed"), .init("code_version"),
                .init("git_commit"), .init("config_hash"), .init("policy_hash"), .init("created_at"), .init("created_by"),
                .init("os_user"),
            ])
        version.add([
            .text(v.version), .integer(Int(v.id)), .text(v.label), .text(v.stage.rawValue), .text(v.frequency.rawValue),
            .text(v.policy.summary), .integer(v.horizon), .number(v.policy.intervalLevel, digits: 2), .text(v.trainingCutoff.description),
            .text(v.asOf.description), .integer(Int(v.backtestID)), .percent(m.overall.wape), .text(m.baseline.text),
            .percent(m.overall.baselineWape), .percent(m.overall.bias), .flag(v.gatePassed, shown: v.gatePassed ? "passed" : "failed"),
            .text(v.codeVersion), .text(v.gitCommit), .text(v.configHash), .text(v.policyHash), .text(v.createdAt.description),
            .text(v.createdBy), .text(v.osUser),
        ])
        var artifacts = Listing(
            "artifacts",
            columns: [
                .init("model_name"), .init("format"), .init("bytes"), .init("features"), .init("training_rows"), .init("md5"),
                .init("feature_schema_hash"),
            ])
        for a in try connection.query(
            Query(
                """
                SELECT model_name, format, md5, feature_schema_hash, length(artifact) AS bytes, cardinality(features) AS features, training_rows
                FROM forecast.model_artifacts WHERE model_version_id = \(v.id) ORDER BY model_name
                """
            ).named("show_artifacts_listing")
        ).rows {
            artifacts.add([
                .text(try a.decode("model_name", as: String.self)), .text(try a.decode("format", as: String.self)),
                .integer(try a.decode("bytes")), .integer(try a.decode("features")), .integer(try a.decode("training_rows")),
                .text(try a.decode("md5", as: String.self)), .text(try a.decodeIfPresent("feature_schema_hash", as: String.self)),
            ])
        }
        var gate = Listing("gate", columns: [.init("check"), .init("required"), .init("actual"), .init("passed")])
        for c in v.gateChecks { gate.add([.text(c.name), .text(c.required), .text(c.actual), .flag(c.passed, shown: c.passed ? "pass" : "FAIL")]) }
        var history = Listing(
            "history", columns: [.init("at"), .init("from"), .init("to"), .init("db_role"), .init("os_user"), .init("forced"), .init("reason")])
        for e in try ModelRegistry.events(versionID: v.id, on: connection) {
            history.add([
                .text(e.at.description), .text(e.from), .text(e.to), .text(e.dbRole), .text(e.osUser),
                .flag(e.forced, shown: e.forced ? "yes" : "no"), .text(e.reason),
            ])
        }
        return [version, artifacts, gate, history]
    }
}
