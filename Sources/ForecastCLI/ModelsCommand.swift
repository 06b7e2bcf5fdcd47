import ArgumentParser
import Escaping
import Forecasting
import Foundation
import Pipeline
import Postgres

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model versions, or show one with its lineage and stage history.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every model version, newest first, with its stage and backtest accuracy.",
            discussion: HelpText.paragraphs(
                """
                Examples:
                  forecastctl models list --frequency week
                  forecastctl models --format csv > versions.csv
                """))
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this frequency (day or week).")
        var frequency: Frequency?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let connection = try global.migratedConnection()
            defer { connection.close() }
            let versions = try ModelRegistry.list(frequency: frequency, on: connection)
            var listing = Listing(
                "models",
                columns: [
                    .init("version"), .init("stage"), .init("frequency"), .init("label"), .init("policy"), .init("training_cutoff", "trained to"),
                    .init("wape", "WAPE"), .init("baseline_wape", "baseline"), .init("gate_passed", "gate"), .init("created_at", "created"),
                ])
            for v in versions {
                let m = try? v.metrics
                listing.add([
                    .text(v.version), .text(v.stage.rawValue), .text(v.frequency.rawValue), .text(v.label), .term(v.policy.summary, shown: v.policy.summary),
                    .text(v.trainingCutoff.description), .percent(m?.overall.wape), .percent(m?.overall.baselineWape),
                    .flag(v.gatePassed, shown: v.gatePassed ? "pass" : "FAIL"),
                    .term(v.createdAt.description, shown: String(v.createdAt.description.prefix(16))),
                ])
            }
            let empty = versions.isEmpty ? ["models: no model versions yet; register one with `forecastctl train --label ...`"] : []
            if empty.isEmpty || output.format != .text { try output.emit([listing], notes: empty, command: "models list") } else { print(empty[0]) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One version: policy, lineage, artifacts, gate and stage history.",
            discussion: HelpText.paragraphs(
                """
                Examples:
                  forecastctl models show 1.2.0
                  forecastctl models show 1.2.0 --format json | jq '.gate'
                """))
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The version, e.g. 1.2.0.")
        var version: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let connection = try global.migratedConnection()
            defer { connection.close() }
            let v = try ModelRegistry.find(version, on: connection)
            let m = try v.metrics
            if output.format != .text {
                try output.emit(try Self.listings(v, m, on: connection), command: "models show")
                return
            }
            func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", 100 * $0) } ?? "-" }
            func t(_ s: String) -> String { Escape.terminal(s) }
            print(
                """
                model version \(v.version) "\(t(v.label))" (id \(v.id))
                  stage          \(v.stage.rawValue)
                  policy         \(t(v.policy.summary)), \(v.frequency.rawValue), horizon \(v.horizon), level \(v.policy.intervalLevel)
                  training       data up to \(v.trainingCutoff), as of \(v.asOf)
                  backtest       \(v.backtestID): WAPE \(pct(m.overall.wape)) vs \(t(m.baseline.text)) \(pct(m.overall.baselineWape)), bias \(pct(m.overall.bias))
                  gate           \(v.gatePassed ? "passed" : "failed")
                  code           \(t(v.codeVersion))\(v.gitCommit.map { ", commit \(t($0))" } ?? "")
                  config hash    \(t(v.configHash))
                  policy hash    \(t(v.policyHash))
                  registered     \(v.createdAt) by \(t(v.createdBy))\(v.osUser.map { " (\(t($0)))" } ?? "")
                """)
            let artifacts = try connection.query(
                Query(
                    """
                    SELECT model_name, format, md5, feature_schema_hash, length(artifact) AS bytes, cardinality(features) AS features, training_rows,
                           (encodings->'originCounts')::text AS origins
                    FROM forecast.model_artifacts WHERE model_version_id = \(v.id) ORDER BY model_name
                    """
                ).named("show_artifacts")
            ).rows
            if !artifacts.isEmpty {
                var table = TextTable(header: ["artifact", "format", "bytes", "features", "training rows", "md5", "feature-schema hash"])
                for a in artifacts {
                    table.add([
                        try a.decode("model_name"), try a.decode("format"), String(try a.decode("bytes", as: Int.self)),
                        String(try a.decode("features", as: Int.self)), String(try a.decode("training_rows", as: Int.self)),
                        try a.decode("md5"), try a.decodeIfPresent("feature_schema_hash", as: String.self) ?? "-",
                    ])
                }
                print("")
                print(table.render())
                // Which origins each artifact learned from (absent in artifacts stored before it was recorded).
                for a in artifacts {
                    guard let origins = ModelCard.originSummary(json: try a.decodeIfPresent("origins", as: String.self)) else { continue }
                    print("\(t(try a.decode("model_name", as: String.self))) learned from \(t(origins))")
                }
            }
            var gate = TextTable(header: ["gate check", "required", "actual", "result"])
            for c in v.gateChecks { gate.add([c.name, c.required, c.actual, c.passed ? "pass" : "FAIL"]) }
            print("")
            print(gate.render())
            var history = TextTable(header: ["when", "from", "to", "who", "forced", "why"])
            for e in try ModelRegistry.events(versionID: v.id, on: connection) {
                history.add([
                    String(e.at.description.prefix(19)), e.from ?? "-", e.to, e.dbRole + (e.osUser.map { " (\($0))" } ?? ""),
                    e.forced ? "yes" : "no", e.reason,
                ])
            }
            print("")
            print(history.render())
        }
    }
}
