import ArgumentParser
import Forecasting
import Foundation
import Pipeline
import Postgres

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Backtest a forecasting policy and register it as a candidate model version.",
        discussion: HelpText.paragraphs(
            """
            Runs a rolling-origin backtest of the policy against seasonal naive (every fold sees only data up to
            its cutoff), judges it with the accuracy gate, trains the global model's artifact (if the policy uses
            one) on all data up to --end, and registers everything as an immutable candidate version with its
            lineage (forecast.model_versions). Nothing is served until `forecastctl promote VERSION`.
            Schedule it (cron) to retrain: what it registers goes through the same stages and gate.

            Examples:
              forecastctl train --label "nightly selection" --cutoff 2026-12-04 \\
                --gate ops/metrics-contract.json
              forecastctl train --label "weekly booster" --frequency week \\
                --model xgboost:log
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "A short human label for the version, e.g. \"weekly xgboost with prices\" (required).")
    var label: String

    @Option(help: "The policy: selected (per demand class, the best of --candidates in the backtest) or one model. \(ModelHelp.choices)")
    var model = "selected"

    @Option(
        name: [.customLong("candidates"), .customLong("models")],
        help:
            "With --model selected: the comma-separated models each demand class chooses from (the default is the backtest's: the global model in four settings, the price regression and two combinations of members included); the same names as --model."
    )
    var candidates = BacktestOptions.defaultModels

    @Option(help: "Series frequency: day or week.")
    var frequency: Frequency = .day

    @Option(parsing: .unconditional, help: "Periods the version forecasts (and the backtest scores; default 28 for days, 13 for weeks).")
    var horizon: Int?

    @Option(
        name: [.customLong("cutoff"), .customLong("end")],
        help:
            "Newest date with actuals: the last fold is scored up to it and the artifact trained on all data up to it (default: the newest sales date loaded by --as-of). --end is the older name."
    )
    var end: PostgresDate?

    @Option(name: .customLong("as-of"), help: "Only rows loaded by then are read (default: now).")
    var asOf: PostgresTimestamp?

    @Option(parsing: .unconditional, help: "Backtest folds.")
    var folds = 4

    @Option(parsing: .unconditional, help: "Periods between fold cutoffs (default: 7 for days, 2 for weeks).")
    var step: Int?

    @Option(parsing: .unconditional, help: "Season length (default 7 for days, 52 for weeks).")
    var season: Int?

    @Option(parsing: .unconditional, help: "Window for moving_average.")
    var window = 28

    @Option(parsing: .unconditional, help: "Nominal interval coverage.")
    var level = 0.8

    @Option(help: ArgumentHelp(LevelsArgument.help + " Calibrated and gated by the qualifying backtest; the version's runs publish them."))
    var levels: LevelsArgument?

    @Option(help: "Extra item/location attributes the xgboost model uses, comma-separated: item.<key>, location.<key>.")
    var attributes: String?

    @Option(help: "Accuracy gate (JSON like ops/metrics-contract.json; default: the same values built in). Its candidate is set to the policy.")
    var gate: String?

    @Option(
        name: .customLong("model-version"),
        help:
            "Version string MAJOR.MINOR.PATCH (default: a retrain of the same recipe bumps MINOR, a new recipe the next MAJOR). (--version shows the program's version, as on every command.)"
    )
    var version: String?

    @Option(
        name: .customLong("refit-days"), parsing: .unconditional,
        help:
            "Days between refits of the xgboost models across folds: at the oldest fold, then at the first fold more than N days after the last refit, the folds between forecast by the newest refit from their own origin, as a registered version serves runs until the monitor's retrain_every_days (28, the default) pass. 0: a refit at every fold (slower)."
    )
    var refitDays = GlobalRefits.defaultDays

    @Option(parsing: .unconditional, help: "Worker threads for the backtest.")
    var workers = 2

    @Option(name: .customLong("input-schema"), help: "Schema holding the input contract tables.")
    var inputSchema = "demand"

    @Flag(name: .customLong("no-progress"), help: "Do not print progress lines.")
    var noProgress = false

    func run() throws {
        let seasonLength = season ?? frequency.defaultSeasonLength
        let policy: ModelSpec
        let specs: [ModelSpec]
        let plan: BacktestPlan
        do {
            policy = try ModelSpec(parsing: model, seasonLength: seasonLength, window: window)
            specs = try candidates.split(separator: ",").map { try ModelSpec(parsing: $0, seasonLength: seasonLength, window: window) }
            plan = try BacktestPlan(
                folds: folds, step: step ?? BacktestPlan.defaultStep(frequency), horizon: horizon ?? frequency.defaultHorizon, gap: 0, window: .expanding)
        } catch {
            throw ValidationError("\(error)")
        }
        var backtest = BacktestOptions(
            end: end, asOf: asOf, plan: plan, frequency: frequency, models: specs, intervalLevel: level,
            workers: workers, inputSchema: inputSchema, showProgress: !noProgress)
        backtest.attributes = attributes.map { $0.split(separator: ",").map(String.init) } ?? []
        backtest.refitDays = refitDays
        backtest.extraLevels = try QuantileLevels.validated(levels?.values ?? [], main: level)
        let trainer = ModelTrainer(sql: try global.sqlDirectory(), logger: global.logger("forecastctl.train"), connect: global.connector())
        let result = try trainer.train(
            ModelTrainer.Options(
                backtest: backtest, model: policy, label: label, version: version,
                gate: try gate.map(AccuracyGate.load) ?? .standard))
        for w in result.report.warnings { printErr("warning: \(w.summaryLine)") }
        print(BacktestPrinter(report: result.report, plan: plan, level: level).render())
        print("")
        var table = TextTable(header: ["gate check", "required", "actual", "result"])
        for c in result.checks { table.add([c.name, c.required, c.actual, c.passed ? "pass" : "FAIL"]) }
        print(table.render())
        let v = result.version
        let passed = result.checks.allSatisfy(\.passed)
        print(
            """

            train: registered model version \(v.version) "\(v.label)" as a candidate (id \(v.id))
              policy      \(v.policy.summary), \(v.frequency.rawValue), horizon \(v.horizon)
              trained on  data up to \(v.trainingCutoff) as of \(v.asOf)\(result.artifacts.isEmpty ? "" : "; artifacts " + result.artifacts.joined(separator: ", "))
              backtest    \(v.backtestID)
              gate        \(passed ? "passed" : "FAILED: promote --to production needs --force --reason") (\(result.checks.filter(\.passed).count)/\(result.checks.count) checks)
              lineage     code \(v.codeVersion)\(v.gitCommit.map { ", commit \($0)" } ?? ""), config \(v.configHash)
              next        forecastctl promote \(v.version) --to shadow    (then compare in forecast.shadow_comparison)
            """)
    }
}
