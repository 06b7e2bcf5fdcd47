import ArgumentParser
import Foundation
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Forecast every series for a cutoff and publish the run.",
        discussion: HelpText.paragraphs(
            """
            Creates the run (or joins the one already in flight for this cutoff), runs the data
            contracts (a blocking violation stops the run before anything is written), plans work
            items, runs --workers workers, checks the output and publishes atomically. Running it
            again for a published cutoff does nothing unless --force is given.

            Examples:
              # the production version, as the nightly job does:
              forecastctl run --cutoff yesterday
              # one model ad hoc, again for a published cutoff:
              forecastctl run --cutoff 2026-12-04 --model auto_ets:log1p --force
              # weekly: the cutoff is a Sunday:
              forecastctl run --frequency week --cutoff 2026-11-29
            """))

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var operations: OperationOptions

    @Option(parsing: .unconditional, help: "Worker threads in this process, each with its own connection.")
    var workers = 2

    @Flag(help: "Run again even if this cutoff is already published; the new run supersedes it.")
    var force = false

    @Flag(name: .customLong("no-progress"), help: "Do not print progress lines.")
    var noProgress = false

    @Flag(name: .customLong("no-conformal"), help: "Use the models' residual intervals even if a backtest calibration exists.")
    var noConformal = false

    @Option(
        name: .customLong("monitor-thresholds"),
        help: """
            Thresholds of the monitor pass that ends a run without --model (JSON like ops/monitoring.json; default: the same values \
            built in). A login outside forecast_monitor queues the pass instead: the monitor daemon's thresholds apply.
            """)
    var monitorThresholds: String?

    /// The recipe from the run's options, the operating settings from their own.
    func runConfig() throws -> RunConfig {
        var config = try options.config
        try operations.apply(to: &config)
        return config
    }

    func run() throws {
        StopSignal.shared.install()
        let coordinator = RunCoordinator(
            sql: try global.sqlDirectory(), logger: global.logger("forecastctl.run"),
            connect: global.connector())
        var runOptions = RunCoordinator.Options(
            cutoff: options.cutoff, asOf: options.asOf, config: try runConfig(),
            workers: workers, force: force,
            showProgress: !noProgress)
        runOptions.conformal = !noConformal
        runOptions.serveRegistry = options.model == nil
        runOptions.explicitHorizon = options.horizon
        if let monitorThresholds { runOptions.monitor = try MonitorConfig.load(monitorThresholds) }
        let summary = try coordinator.run(runOptions)
        if summary.outcome == .alreadyPublished {
            print(
                "run: cutoff \(options.cutoff) (\(options.frequency.rawValue)) is already published as run \(summary.runID); nothing to do (use --force to run again)"
            )
            return
        }
        for w in summary.warnings { printErr("warning: \(w.summaryLine)") }
        for note in summary.servingNotes { printErr("note: \(note)") }
        let rate = summary.seconds > 0 ? Int(Double(summary.rows) / summary.seconds) : 0
        print(
            """
            run \(summary.runID) published\(summary.joined ? " (joined a run in flight)" : "")
              cutoff      \(options.cutoff) (\(options.frequency.rawValue)), horizon \(summary.horizon)
              model       \(summary.modelVersion)\(options.model == nil ? (summary.bootstrap.map { " (\($0.label))" } ?? " (production)") : " (ad hoc --model)")
              shadow      \(summary.shadowVersion.map { "\($0): rows in forecast.side_forecasts, compare in forecast.shadow_comparison" } ?? "none")
              series      \(summary.seriesCount) in \(summary.workItems) work items
              rows        \(summary.rows) (\(rate) rows/s)
              warnings    \(summary.warnings.count) contract\(summary.warnings.count == 1 ? "" : "s") warned
              fallbacks   \(summary.fallbackSeries) series served by the naive forecast because their model failed
              intervals   \(summary.calibrationBacktestID.map { "conformal, calibrated by backtest \($0)" } ?? "model residuals (no matching backtest calibration)")
              time        \(String(format: "%.2f", summary.seconds)) s
              read with   SELECT * FROM forecast.latest
            """)
        if let m = summary.monitor {
            let open = m.alerts.opened.count + m.alerts.updated.count
            print(
                "  monitor     \(m.drift.filter { $0.psi >= $0.warnAt }.count) drifted feature/segment pairs, \(open) open alert\(open == 1 ? "" : "s") (\(m.alerts.opened.count) new), \(m.alerts.resolved.count) resolved: SELECT * FROM forecast.open_alerts"
            )
            for c in m.conditions where c.tier == .critical { printErr("CRITICAL \(c.rule) [\(c.scope)]: \(c.message) (runbook: \(c.runbook))") }
        }
        if let job = summary.monitorJob {
            print("  monitor     queued as job \(job): this login may not record alerts; a daemon in forecast_monitor takes it")
        }
    }
}
