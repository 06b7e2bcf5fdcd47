import ArgumentParser
import Forecasting
import Foundation
import Pipeline
import Postgres

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML operations report (inline SVG, no network).",
        discussion: HelpText.paragraphs(
            """
            DIR/index.html: open alerts; forecast against actuals with intervals for the top offenders and sample
            series; weekly accuracy against seasonal naive by segment and the last 4 weeks' forecast value added;
            the drift table of the newest monitored run; service objectives, cost and input freshness. Run
            `forecastctl evaluate` and `forecastctl monitor` first for current numbers.

            Examples:
              forecastctl report --out report.html
              forecastctl report --frequency week -o weekly.html
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: [.customShort("o"), .customLong("out"), .customLong("output")], help: "Directory to write index.html into (--output as on model-card).")
    var out: String

    @Option(help: "day or week.")
    var frequency: Frequency = .day

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let written = try OpsReport.write(frequency: frequency, to: out, on: connection)
        print("report: wrote \(written.path) (\(written.charts) charts, \(written.bytes / 1024) KiB)")
    }
}
