import ArgumentParser
import Pipeline

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Fail a queued or running run, or a running backtest, cleanly (the recovery for a stuck one); forecast.latest is untouched.",
        discussion: HelpText.paragraphs(
            """
            A backtest whose process died (a killed `train` or `backtest`) is failed on its own two leases after its \
            last heartbeat (by the next backtest, retention, a worker daemon or this command); --backtest fails one at once.

            Examples:
              forecastctl cancel --run 42 --reason "wrong price file loaded"
              forecastctl cancel --backtest 7 --reason "superseded by backtest 8"
              forecastctl cancel --job 5 --reason "evaluated by hand already"
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: "The run to cancel (see `forecastctl status`).")
    var runID: Int64?

    @Option(name: .customLong("backtest"), help: "The backtest to cancel (forecast.backtests.id).")
    var backtestID: Int64?

    @Option(name: .customLong("job"), help: "A waiting job of the schedule (forecast.job_requests.id: evaluate, monitor, retrain).")
    var jobID: Int64?

    @Option(help: "Why (required; recorded in forecast.runs.error, forecast.backtests.error or forecast.job_requests.error).")
    var reason: String

    func validate() throws {
        guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError("--reason must say why") }
        guard [runID, backtestID, jobID].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give one of --run ID, --backtest ID or --job ID")
        }
    }

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        if let jobID {
            let kind = try JobRequests.cancel(jobID, reason: reason, on: connection)
            print("cancel: \(kind.rawValue) job \(jobID) was waiting, now failed")
            return
        }
        if let backtestID {
            let done = try RunMaintenance.cancelBacktest(backtestID, reason: reason, on: connection)
            for id in done.abandoned where id != backtestID { print("cancel: backtest \(id) was abandoned (no heartbeat for two leases), now failed") }
            print(
                done.abandoned.contains(backtestID)
                    ? "cancel: backtest \(backtestID) was abandoned (no heartbeat for two leases), now failed"
                    : "cancel: backtest \(backtestID) was \(done.status), now failed")
            return
        }
        guard let runID else { return }
        let done = try RunMaintenance.cancel(runID: runID, reason: reason, on: connection)
        print(
            "cancel: run \(done.runID) was \(done.previousStatus), now failed; \(done.itemsStopped) unfinished work item\(done.itemsStopped == 1 ? "" : "s") stopped"
        )
    }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete the forecast rows of failed runs (never shown in forecast.latest). Run as the schema owner.",
        discussion: HelpText.paragraphs(
            """
            Examples:
              forecastctl prune
            """))

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        let pruned = try RunMaintenance.pruneFailed(on: connection)
        for p in pruned { print("prune: run \(p.runID): \(p.rows) rows deleted") }
        print("prune: \(pruned.reduce(0) { $0 + $1.rows }) rows of \(pruned.count) failed run\(pruned.count == 1 ? "" : "s") deleted")
    }
}
