import ArgumentParser
import Foundation
import Pipeline
import Postgres

struct ObjectivesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objectives",
        abstract: "Show the service and cost objectives' status, or --apply the metrics contract's.",
        discussion: HelpText.paragraphs(
            """
            The metrics contract (ops/metrics-contract.json) states accuracy (the gate of `train`, `backtest --gate`,
            `promote`), service (publish deadline per frequency, maximum run duration, maximum age of each input source)
            and cost (client CPU seconds per 1,000 series, bytes per run, retention). `--apply FILE` stores the
            service and cost objectives in the database, where forecast.service_status judges the last published run
            against them: SELECT * FROM forecast.service_status WHERE NOT ok is the query to alert on.
            Exit 3 when an objective is not met.

            Examples:
              forecastctl objectives
              forecastctl objectives --apply ops/metrics-contract.json
              forecastctl objectives --format json || echo "exit 3: an objective is missed"
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "Store the service and cost objectives of this metrics contract first.")
    var apply: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        if let apply {
            let applied = try ServiceObjectives.load(apply).apply(on: connection)
            let line = "objectives: applied \(apply) (\(applied.joined(separator: ", ")))"
            if output.format == .text { print(line) } else { printErr(line) }
        }
        let status = try ServiceObjectives.status(on: connection)
        try output.emit([status], command: "objectives")
        if status.rows.contains(where: { $0.last == .flag(false, shown: "false") }) {
            printErr("objectives: not met: SELECT * FROM forecast.service_status WHERE NOT ok")
            throw ExitCode(ExitCodes.objectivesMissed)
        }
    }
}
