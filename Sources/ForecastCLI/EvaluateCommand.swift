import ArgumentParser
import Foundation
import Pipeline
import Postgres

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score published forecasts against the actuals that have landed since the last pass.",
        discussion: HelpText.paragraphs(
            """
            Joins every published run's forecasts (served, shadow and the seasonal-naive baseline) with the
            sales of their target periods once those have landed (a missing sales row counts as 0) into
            forecast.evaluations. Incremental and idempotent: run it after every sales load. A restated actual
            (a sales row reloaded with another quantity) replaces its evaluation; the replaced row is kept with
            replaced_at set. Read the results in forecast.accuracy_4w, forecast.forecast_value_added and
            forecast.top_offenders. Only the horizons of forecast.service_objectives.evaluated_horizons are
            scored when it is set (business.evaluated_horizons of the metrics contract, e.g. {"day": [1, 7, 14, 28]}):
            at a million series every horizon is more than a night can score.

            Examples:
              forecastctl evaluate
              forecastctl evaluate --format json | jq '.accuracy'
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("input-schema"), help: "Schema holding the sales the forecasts are judged on.")
    var inputSchema = "demand"

    @OptionGroup var output: OutputOptions

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let started = Date()
        let pass = try Evaluator.evaluate(inputSchema: inputSchema, on: connection)
        if pass.nonFiniteActuals > 0 {
            FileHandle.standardError.write(
                Data(
                    "evaluate: warning: \(pass.nonFiniteActuals) sales row\(pass.nonFiniteActuals == 1 ? "" : "s") of this pass's loads had a NaN or infinite quantity and were not used as actuals (fix the source; the contract sales_non_finite_quantity names them)\n"
                        .utf8))
        }
        if output.format != .text {
            try output.emit(try Self.listings(pass, seconds: Date().timeIntervalSince(started), on: connection), command: "evaluate")
            return
        }
        print(
            "evaluate: pass \(pass.id): actuals landed through \(pass.landedThrough.map { "\($0)" } ?? "-(no sales)"); "
                + "\(pass.evaluated) forecasts evaluated, \(pass.restated) restated actuals followed in \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
        )
        if !pass.evaluatedHorizons.isEmpty {
            print("evaluate: horizons scored (forecast.service_objectives.evaluated_horizons): \(EvaluatedHorizons(pass.evaluatedHorizons).summary)")
        }
        let summary = try AccuracySummary.load(on: connection)
        guard !summary.lines.isEmpty else { return }
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", 100 * $0) } ?? "-" }
        var table = TextTable(header: ["frequency", "role", "forecasts", "WAPE", "MASE", "bias", "coverage", "versions"])
        for l in summary.lines {
            table.add([
                l.frequency.rawValue, l.role, String(l.forecasts), pct(l.wape), l.mase.map { String(format: "%.3f", $0) } ?? "-",
                pct(l.bias), pct(l.coverage), l.versions,
            ])
        }
        print("")
        print("last 4 weeks of landed targets (forecast.accuracy_4w)")
        print(table.render())
        for (frequency, added) in summary.valueAdded.sorted(by: { $0.key < $1.key }) {
            print("forecast value added (\(frequency)): \(pct(added)) less absolute error than seasonal naive on the same rows")
        }
    }

    /// `--format json`: the pass, the 4-week accuracy per frequency and role, and the value added.
    static func listings(_ pass: Evaluator.Pass, seconds: Double, on connection: Connection) throws -> [Listing] {
        var passListing = Listing(
            "pass",
            columns: [
                .init("id"), .init("landed_through"), .init("evaluated"), .init("restated"), .init("non_finite_actuals"), .init("evaluated_horizons"),
                .init("seconds"),
            ])
        passListing.add([
            .integer(Int(pass.id)), .text(pass.landedThrough?.description), .integer(pass.evaluated), .integer(pass.restated),
            .integer(pass.nonFiniteActuals), .text(EvaluatedHorizons(pass.evaluatedHorizons).summary), .number(seconds, digits: 2),
        ])
        let summary = try AccuracySummary.load(on: connection)
        var accuracy = Listing(
            "accuracy",
            columns: [
                .init("frequency"), .init("role"), .init("forecasts"), .init("wape"), .init("mase"), .init("bias"), .init("coverage"),
                .init("model_versions"),
            ])
        for l in summary.lines {
            accuracy.add([
                .text(l.frequency.rawValue), .text(l.role), .integer(l.forecasts), .percent(l.wape), .number(l.mase, digits: 3),
                .percent(l.bias), .percent(l.coverage), .text(l.versions),
            ])
        }
        var added = Listing("value_added", columns: [.init("frequency"), .init("value_added")])
        for (frequency, value) in summary.valueAdded.sorted(by: { $0.key < $1.key }) { added.add([.text(frequency), .percent(value)]) }
        return [passListing, accuracy, added]
    }
}
