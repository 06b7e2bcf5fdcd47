import Foundation
import Postgres

/// Everything the pipeline can fail with, each with the exit code the CLI documents.
public enum PipelineError: Error, CustomStringConvertible, Sendable {
    /// A blocking data contract failed; nothing was written.
    case contractsBlocked([ContractOutcome])
    /// The SQL folder or a file in it is missing or malformed.
    case configuration(String)
    /// A migration failed (named) or the schema is not migrated.
    case migration(version: Int?, message: String)
    /// The input has no series to forecast for this cutoff.
    case noSeries(cutoff: PostgresDate)
    /// A run failed (work items exhausted their attempts, or output checks failed).
    case runFailed(runID: Int64, reason: String)
    /// Bad demo-data or run parameters.
    case invalidArgument(String)
    /// A setting out of its range, with what is wrong (`must be at least 1, got 0`): the command
    /// line names the setting by its flag, other front ends by `Setting`'s words.
    case invalidSetting(Setting, String)
    /// A run for the cutoff is in flight with another definition; it was left alone.
    case runInFlight(runID: Int64, reason: String)
    /// Another session holds the cutoff's lock for longer than a run waits.
    case cutoffLocked(String)
    /// Stopped by SIGTERM/SIGINT; held work items were handed back.
    case interrupted(signal: Int32, runID: Int64?)
    /// A backtest was failed while it ran (`cancel --backtest`, or abandoned): its results are not used.
    case backtestEnded(id: Int64, reason: String)
    /// An output file could not be written safely (a symbolic link, not a regular file, I/O).
    case output(String)

    public var description: String {
        switch self {
        case .contractsBlocked(let outcomes):
            let blocked = outcomes.filter { $0.blocks }
            return "blocked by \(blocked.count) data contract\(blocked.count == 1 ? "" : "s"): "
                + blocked.map { $0.summaryLine }.joined(separator: "; ")
                + (blocked.contains { $0.contract.waiver == Contract.acceptEmptyPeriod }
                    ? " (load the period first; if it is genuinely empty, e.g. a closure, run with --accept-empty-period)" : "")
        case .configuration(let message):
            return "configuration error: \(message)"
        case .migration(let version, let message):
            return version.map { "migration \($0) failed: \(message)" } ?? "migrations: \(message)"
        case .noSeries(let cutoff):
            return "no series to forecast: no sales on or before \(cutoff) for items and locations valid on that date"
        case .runFailed(let id, let reason):
            return "run \(id) failed: \(reason)"
        case .invalidArgument(let message):
            return message
        case .invalidSetting(let setting, let problem):
            return "\(setting.rawValue) \(problem)"
        case .interrupted(let signal, let runID):
            let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : signal == SIGHUP ? "SIGHUP" : "signal \(signal)"
            return "stopped by \(name)"
                + (runID.map { ": run \($0)'s held work items were handed back; it goes on with other workers or the next `forecastctl run`" } ?? "")
        case .cutoffLocked(let message):
            return message
        case .output(let message):
            return message
        case .backtestEnded(let id, let reason):
            return "backtest \(id) was failed while it ran (\(reason)); its results are not used"
        case .runInFlight(let id, let reason):
            return "run \(id) for this cutoff is in flight with \(reason); it was left alone: wait for it (`forecastctl status`) and run again with --force"
        }
    }
}
