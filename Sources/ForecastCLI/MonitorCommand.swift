import ArgumentParser
import Forecasting
import Foundation
import Pipeline
import Postgres

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Profile a published run's inputs and predictions, check drift, data quality and accuracy, and update the alerts.",
        discussion: HelpText.paragraphs(
            """
            Runs at the end of every nightly run (a run without --model); run it by hand for another run or
            after `forecastctl evaluate`. Drift: PSI per feature, overall and per segment (category, region,
            demand class), against the trailing runs and against the production version's training window.
            Quality: series count, missing and zero rates and fallbacks against the trailing runs. Accuracy:
            the last 4 weeks of evaluated forecasts against seasonal naive and the version's backtest.
            Alerts: forecast.open_alerts (one per rule and scope, updated while it lasts, resolved when it
            clears), announced on the NOTIFY channel forecast_alerts. Exit 0 even when alerts are open.

            Examples:
              forecastctl monitor --frequency week
              forecastctl monitor --run 42 --format json | jq '.conditions[]'
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: "The run (default: the newest published run of --frequency).")
    var runID: Int64?

    @Option(help: "day or week.")
    var frequency = Frequency.day

    @Option(
        name: [.customLong("thresholds"), .customLong("monitor-thresholds")],
        help: "Thresholds (JSON like ops/monitoring.json; default: the same values built in); --monitor-thresholds as on run and worker.")
    var thresholds: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        guard try Monitor.mayRecord(on: connection) else {
            throw PipelineError.configuration(
                "monitor writes feature profiles, drift results and alerts: log in as a member of forecast_monitor (the worker role only reads them)")
        }
        let monitor = Monitor(config: try thresholds.map(MonitorConfig.load) ?? MonitorConfig())
        let report = try monitor.run(runID: runID, frequency: frequency, on: connection)
        if output.format != .text { return try output.emit(Self.listings(report), command: "monitor") }
        let drifted = report.drift.filter { $0.psi >= $0.warnAt }
        print(
            "monitor: run \(report.runID) (\(report.frequency)): \(report.drift.count) PSI values, \(drifted.count) above their warn level; "
                + "alerts \(report.alerts.opened.count) opened, \(report.alerts.updated.count) still open, \(report.alerts.resolved.count) resolved")
        if !drifted.isEmpty {
            var table = TextTable(header: ["feature", "segment", "reference", "PSI", "warn", "critical"])
            for d in drifted.sorted(by: { $0.psi > $1.psi }).prefix(15) {
                table.add([
                    d.feature, d.segmentKind == .all ? "all" : d.segmentKind.describing(d.segment), d.reference,
                    String(format: "%.3f", d.psi), String(format: "%.2f", d.warnAt), String(format: "%.2f", d.criticalAt),
                ])
            }
            print(table.render())
        }
        for c in report.conditions.sorted(by: { $0.tier > $1.tier }) {
            print("\(c.tier.rawValue.uppercased()) \(c.rule) [\(c.scope)]: \(c.message) (runbook: \(c.runbook))")
        }
        for r in report.alerts.resolved { print("resolved \(r)") }
    }
}
