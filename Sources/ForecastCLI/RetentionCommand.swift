import ArgumentParser
import Foundation
import Pipeline
import Postgres

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show, and with --apply carry out, the retention plan: drop the partitions of old runs and backtests.",
        discussion: HelpText.paragraphs(
            """
            Every run's rows (forecasts, side forecasts, series stats, run series, evaluations) and every
            backtest's results live in their own partitions; retention drops whole partitions (DETACH
            PARTITION CONCURRENTLY, then DROP TABLE), so it never blocks readers and leaves no bloat.
            Kept (forecast.retention_plan): runs in flight, the runs forecast.latest serves (pins included),
            the newest --rollback-depth published cutoffs per frequency (what `publish --run` can roll back
            to), published runs whose actuals have not all landed (evaluate still needs them), backtests a
            model version names, and everything younger than its frequency's retention_days
            (forecast.service_objectives, set with `objectives --apply`). The run or backtest row stays,
            with purged_at; forecast.retention_events records what went. Without --apply nothing changes.
            Run as the schema owner; schedule it daily outside the nightly run window.

            Examples:
              forecastctl retention                      # the plan, nothing changes
              forecastctl retention --apply --rollback-depth 14
              forecastctl retention --format csv > plan.csv
            """))

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Drop the partitions the plan says may go (default: only print the plan).")
    var apply = false

    @Option(name: .customLong("rollback-depth"), help: "Published cutoffs per frequency kept for output rollback.")
    var rollbackDepth = 7

    @Option(help: "Judge ages as of this day (default: the database's current_date).")
    var today: PostgresDate?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard rollbackDepth >= 1 && rollbackDepth <= 10_000 else {
            throw ValidationError("--rollback-depth must be between 1 and 10000 (the served run is always kept)")
        }
    }

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        // A backtest whose process died is not in flight: failed first, so that the plan can judge it.
        for id in try Retention.failAbandonedBacktests(on: connection) {
            print("retention: backtest \(id) was abandoned (no heartbeat for two leases): marked failed")
        }
        let plan = try Retention.plan(rollbackDepth: rollbackDepth, today: today, on: connection)
        if output.format != .text { return try emit(plan, on: connection) }
        var kept: [String: Int] = [:]
        for d in plan where d.keep { kept["\(d.kind.rawValue)s: \(d.reason)", default: 0] += 1 }
        let drops = plan.filter { !$0.keep }
        var table = TextTable(header: ["kind", "id", "frequency", "date", "status", "reason"])
        for d in drops { table.add([d.kind.rawValue, String(d.key), d.frequency.rawValue, "\(d.date)", d.status, d.reason]) }
        print("retention: \(plan.count - drops.count) kept, \(drops.count) may go")
        for (reason, n) in kept.sorted(by: { $0.key < $1.key }) { print("  kept \(n) \(reason)") }
        if !drops.isEmpty { print(table.render()) }
        guard apply else {
            if !drops.isEmpty { print("retention: nothing dropped (add --apply to drop these partitions)") }
            return
        }
        let started = Date()
        let dropped = try Retention.apply(drops, rollbackDepth: rollbackDepth, today: today, on: connection) { d in
            FileHandle.standardError.write(
                Data("retention: dropped \(d.kind.rawValue) \(d.key): \(d.partitions) partitions, \(d.rows) rows, \(d.bytes / 1024) KiB\n".utf8))
        }
        let rows = dropped.reduce(Int64(0)) { $0 + $1.rows }, bytes = dropped.reduce(Int64(0)) { $0 + $1.bytes }
        print(
            "retention: dropped \(dropped.count) of \(drops.count) (\(rows) rows, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB) "
                + "in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; see forecast.retention_events")
    }
}

/// `retention --format json|csv`: every decision of the plan (kept ones with their reason), then,
/// with `--apply`, what was dropped; progress goes to standard error.
extension RetentionCommand {
    func emit(_ plan: [Retention.Decision], on connection: Connection) throws {
        var decisions = Listing(
            "plan",
            columns: [.init("kind"), .init("id"), .init("frequency"), .init("date"), .init("status"), .init("keep"), .init("reason")])
        for d in plan {
            decisions.add([
                .text(d.kind.rawValue), .integer(Int(d.key)), .text(d.frequency.rawValue), .text(d.date.description), .text(d.status),
                .flag(d.keep, shown: d.keep ? "kept" : "may go"), .text(d.reason),
            ])
        }
        guard apply else { return try output.emit([decisions], command: "retention") }
        let dropped = try Retention.apply(plan.filter { !$0.keep }, rollbackDepth: rollbackDepth, today: today, on: connection) { d in
            printErr("retention: dropped \(d.kind.rawValue) \(d.key): \(d.partitions) partitions, \(d.rows) rows")
        }
        var done = Listing(
            "dropped", columns: [.init("kind"), .init("id"), .init("reason"), .init("partitions"), .init("rows"), .init("bytes")])
        for d in dropped {
            done.add([.text(d.kind.rawValue), .integer(Int(d.key)), .text(d.reason), .integer(d.partitions), .integer(Int(d.rows)), .bytes(Int(d.bytes))])
        }
        try output.emit([decisions, done], command: "retention --apply")
    }
}
