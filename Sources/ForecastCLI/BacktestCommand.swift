import ArgumentParser
import Forecasting
import Foundation
import Pipeline
import Postgres

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Rolling-origin backtest of the models straight from the database.",
        discussion: HelpText.paragraphs(
            """
            Fold k trains only on data dated on or before its cutoff (stockout periods imputed) and
            forecasts the periods gap+1 ... gap+horizon after it (stockout periods are not scored).
            Cutoffs step back --step periods from the newest, which is --end minus gap+horizon.
            Every forecast and actual goes to forecast.backtest_results; the summary (overall, per
            fold, per category, region and demand class, each relative to seasonal naive) is printed
            and stored in forecast.backtests.summary.

            Examples:
              forecastctl backtest --cutoff 2026-12-04 --folds 3 \\
                --models seasonal_naive,auto_ets,xgboost:log
              forecastctl backtest --gate ops/metrics-contract.json --format json
              # calibrate P25/P75 and P2.5/P97.5 too, for `run --levels 0.5,0.95`:
              forecastctl backtest --cutoff 2026-12-04 --levels 0.5,0.95
            """))

    @OptionGroup var global: GlobalOptions

    @Option(
        name: [.customLong("cutoff"), .customLong("end")],
        help: "Last date with actuals to score, the newest fold's cutoff + horizon (default: newest sales date loaded by --as-of). --end is the older name.")
    var end: PostgresDate?

    @Option(name: .customLong("as-of"), help: "Only rows loaded by then are read (default: now).")
    var asOf: PostgresTimestamp?

    @Option(parsing: .unconditional, help: "Number of folds.")
    var folds = 4

    @Option(parsing: .unconditional, help: "Periods between fold cutoffs (default: 7 for days, 2 for weeks, as train).")
    var step: Int?

    @Option(parsing: .unconditional, help: "Periods scored per fold (default 28 for days, 13 for weeks).")
    var horizon: Int?

    @Option(parsing: .unconditional, help: "Lead time: periods between the cutoff and the first scored period.")
    var gap = 0

    @Option(name: .customLong("window-length"), parsing: .unconditional, help: "Sliding training window in periods (default: expanding).")
    var windowLength: Int?

    @Option(help: "Series frequency: day or week.")
    var frequency: Frequency = .day

    @Option(
        help:
            "Comma-separated models (seasonal naive is always included as the reference). \(ModelHelp.choices)"
    )
    var models = BacktestOptions.defaultModels

    @Option(parsing: .unconditional, help: "Season length for seasonal naive (default 7 for days, 52 for weeks).")
    var season: Int?

    @Option(parsing: .unconditional, help: "Window for moving_average.")
    var window = 28

    @Option(parsing: .unconditional, help: "Nominal interval coverage.")
    var level = 0.8

    @Option(help: ArgumentHelp(LevelsArgument.help + " Each is calibrated and its coverage gated, for runs with the same --levels."))
    var levels: LevelsArgument?

    @Option(parsing: .unconditional, help: "Worker threads, each with its own connection.")
    var workers = 2

    @Option(name: .customLong("chunk-size"), parsing: .unconditional, help: "Series per chunk.")
    var chunkSize = 250

    @Option(name: .customLong("input-schema"), help: "Schema holding the input contract tables.")
    var inputSchema = "demand"

    @Option(
        help:
            "Extra item/location attributes the xgboost models use, comma-separated: item.<key>, location.<key> (keys of demand.items/locations.attributes, as valid at the newest cutoff)."
    )
    var attributes: String?

    @Option(name: .customLong("select-metric"), help: "Metric that picks each demand class's model.")
    var selectMetric = SelectionMetric.wape

    @Option(
        name: .customLong("structure-selection"),
        help:
            "How AutoETS and AutoTheta are refitted across folds: first-fold (the oldest fold picks each series' structure or variant, later folds re-estimate it) or every-fold (all forms compared at every fold, as nightly runs do; slower)."
    )
    var structureSelection = StructureSelection.firstFold

    @Option(
        name: .customLong("refit-days"), parsing: .unconditional,
        help:
            "Days between refits of the xgboost models across folds: at the oldest fold, then at the first fold more than N days after the last refit, the folds between forecast by the newest refit from their own origin, as a registered version serves runs until the monitor's retrain_every_days (28, the default) pass. 0: a refit at every fold (slower)."
    )
    var refitDays = GlobalRefits.defaultDays

    @Option(
        parsing: .unconditional,
        help: "Heartbeat lease in seconds: the backtest beats every quarter of it; one silent for two leases (its process died) is failed as abandoned.")
    var lease = 60.0

    @Option(help: "Accuracy gate (JSON, e.g. ops/metrics-contract.json): exit 2 with a table of failures when it is not met.")
    var gate: String?

    @Flag(name: .customLong("no-progress"), help: "Do not print progress lines.")
    var noProgress = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let specs = try models.split(separator: ",").map {
            try ModelSpec(parsing: $0, seasonLength: season ?? frequency.defaultSeasonLength, window: window)
        }
        let plan: BacktestPlan
        do {
            plan = try BacktestPlan(
                folds: folds, step: step ?? BacktestPlan.defaultStep(frequency), horizon: horizon ?? frequency.defaultHorizon, gap: gap,
                window: windowLength.map { .sliding($0) } ?? .expanding)
        } catch {
            throw PipelineError.invalidArgument("\(error)")
        }
        let gateContract = try gate.map(AccuracyGate.load)
        let runner = BacktestRunner(
            sql: try global.sqlDirectory(), logger: global.logger("forecastctl.backtest"),
            connect: global.connector())
        var options = BacktestOptions(
            end: end, asOf: asOf, plan: plan, frequency: frequency, models: specs,
            intervalLevel: level, workers: workers, chunkSize: chunkSize,
            inputSchema: inputSchema, showProgress: !noProgress)
        options.selectionMetric = selectMetric
        options.leaseSeconds = lease
        options.refitDays = refitDays
        options.attributes = attributes.map { $0.split(separator: ",").map(String.init) } ?? []
        options.structureSelection = structureSelection
        options.extraLevels = try QuantileLevels.validated(levels?.values ?? [], main: level)
        let report = try runner.run(options)
        for w in report.warnings { printErr("warning: \(w.summaryLine)") }
        let printer = BacktestPrinter(report: report, plan: plan, level: level)
        let checks = try gateContract.map { try $0.evaluate(report, folds: plan.folds) }
        if output.format == .text {
            print(printer.render())
            if let checks, let gateContract {
                var table = TextTable(header: ["gate check", "required", "actual", "result"])
                for c in checks { table.add([c.name, c.required, c.actual, c.passed ? "pass" : "FAIL"]) }
                print("")
                print("accuracy gate (\(gate ?? "")), candidate \(gateContract.candidate)")
                print(table.render())
            }
        } else {
            try output.emit(printer.listings(gate: checks), command: "backtest")
        }
        guard let checks else { return }
        let failed = checks.filter { !$0.passed }
        if !failed.isEmpty {
            printErr("forecastctl: error: accuracy gate failed: \(failed.count) of \(checks.count) checks: " + failed.map(\.name).joined(separator: "; "))
            throw ExitCode(ExitCodes.gateFailed)
        }
        if output.format == .text { print("accuracy gate: all \(checks.count) checks pass") }
    }
}
