import ArgumentParser
import Pipeline
import Postgres

/// Documented exit codes (docs/configuration.md, checked by DocsTests; sysexits.h where one fits).
enum ExitCodes {
    static let ok: Int32 = 0
    /// The run finished but failed (work items exhausted their attempts, or output checks failed).
    static let runFailed: Int32 = 1
    /// `backtest --gate`: the accuracy contract is not met (a table of failures is printed).
    static let gateFailed: Int32 = 2
    /// `objectives`: a service or cost objective is not met (a table says which).
    static let objectivesMissed: Int32 = 3
    /// Bad flags or arguments (argument-parser's validation errors use it too).
    static let usage: Int32 = 64
    /// A blocking data contract failed; nothing was written.
    static let dataContract: Int32 = 65
    /// No series to forecast for the cutoff.
    static let noInput: Int32 = 66
    /// Cannot connect to PostgreSQL.
    static let unavailable: Int32 = 69
    /// An unexpected error (a bug): please report it with the log.
    static let software: Int32 = 70
    /// An output file cannot be written (`report --out`, `model-card --output`): the target is a
    /// symbolic link or not a regular file, or the folder is not writable.
    static let cantCreate: Int32 = 73
    /// A transient database error (serialization failure, deadlock, lost connection), or a run
    /// for the cutoff in flight with another configuration: retry later.
    static let tempFail: Int32 = 75
    /// Configuration: database not migrated, sql/ folder missing, malformed contract file, SQL error.
    static let config: Int32 = 78
    /// 130 / 143: stopped by SIGINT / SIGTERM (128 + the signal); held work items were handed back.
    static func interrupted(_ signal: Int32) -> Int32 { 128 + signal }

    /// One line for the user and the exit code for an error.
    static func classify(_ error: Error) -> (String, Int32) {
        switch error {
        case let e as PipelineError:
            switch e {
            case .contractsBlocked: return (e.description, dataContract)
            case .noSeries: return (e.description, noInput)
            case .runFailed, .backtestEnded: return (e.description, runFailed)
            case .invalidArgument: return (e.description, usage)
            case .invalidSetting(let setting, let problem): return ("\(setting.flag) \(problem)", usage)
            case .configuration, .migration: return (e.description, config)
            case .runInFlight, .cutoffLocked: return (e.description, tempFail)
            case .interrupted(let signal, _): return (e.description, interrupted(signal))
            case .output: return (e.description, cantCreate)
            }
        case let e as ArtifactRefused:
            return (e.description, config)
        case let e as PostgresError:
            if e.kind == .connection { return (e.description, unavailable) }
            if e.isRetryable { return (e.description + " (transient; retry)", tempFail) }
            return (e.description, config)
        default:
            return ("unexpected error: \(error)", software)
        }
    }
}
