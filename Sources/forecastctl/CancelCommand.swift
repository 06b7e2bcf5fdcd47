import ArgumentParser
import Pipeline

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Fail a queued or running run cleanly (the recovery for a stuck run); forecast.latest is untouched.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: "The run to cancel (see `forecastctl status`).")
    var runID: Int64

    @Option(help: "Why (recorded in forecast.runs.error).")
    var reason = "no reason given"

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        let done = try RunMaintenance.cancel(runID: runID, reason: reason, on: connection)
        print("cancel: run \(done.runID) was \(done.previousStatus), now failed; \(done.itemsStopped) unfinished work item\(done.itemsStopped == 1 ? "" : "s") stopped")
    }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete the forecast rows of failed runs (never shown in forecast.latest). Run as the schema owner.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        let pruned = try RunMaintenance.pruneFailed(on: connection)
        for p in pruned { print("prune: run \(p.runID): \(p.rows) rows deleted") }
        print("prune: \(pruned.reduce(0) { $0 + $1.rows }) rows of \(pruned.count) failed run\(pruned.count == 1 ? "" : "s") deleted")
    }
}
