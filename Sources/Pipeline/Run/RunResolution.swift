import Logging
import Postgres

/// What a run serves: decided once, before its row is written (`RunResolution.resolve`), and
/// stored in `forecast.runs.serving`, `model_version_id` and `serving_note`.
public enum Serving: Sendable, Equatable {
    /// `--model`: an experiment with the model (or the per-class selection) it names.
    case adHoc
    /// A registry version: production, or the last production version whose artifacts load.
    case version(ServedVersion)
    /// No version may serve the cutoff: the seasonal naive, and why.
    case bootstrap(RegistryServing.Bootstrap)

    /// `forecast.runs.serving`.
    public var label: String {
        switch self {
        case .adHoc: return "ad hoc"
        case .version: return "version"
        case .bootstrap: return "bootstrap"
        }
    }

    /// The run serves the registry (a version or the bootstrap): a nightly run, which ends with a monitor pass.
    public var isRegistry: Bool { self != .adHoc }
}

/// A run's plan, resolved before anything is written: the configuration every worker reads
/// (`runs.config`), what it serves, and the notes that say why.
public struct RunResolution: Sendable {
    public var config: RunConfig
    public var serving: Serving
    public var notes: [String]

    /// Resolves the registry version (or the bootstrap), a `selected` model's per-class
    /// selection and the conformal calibration, in that order, from the database as it is now.
    static func resolve(_ options: RunCoordinator.Options, logger: Logger, on connection: Connection) throws -> RunResolution {
        var config = options.config
        var serving = Serving.adHoc
        var notes: [String] = []
        if options.serveRegistry {
            let registry = try RegistryServing.resolve(config, cutoff: options.cutoff, horizon: options.explicitHorizon, on: connection)
            (config, serving, notes) = (registry.config, registry.serving, registry.notes)
            for note in notes { logger.notice("\(note)") }
        }
        if config.served == nil && config.model.kind == .selected && config.selection == nil {
            guard let (backtest, selection) = try Calibrations.newestSelection(for: config, on: connection) else {
                throw PipelineError.invalidArgument(
                    "--model selected needs a finished backtest (frequency \(config.frequency.rawValue), gap 0, horizon >= \(config.horizon), level \(config.intervalLevel)); run `forecastctl backtest` first"
                )
            }
            config.selection = selection
            if options.conformal { config.calibrationBacktestID = backtest }
        }
        if config.served == nil && options.conformal && config.calibrationBacktestID == nil {
            config.calibrationBacktestID = try Calibrations.newest(for: config, on: connection)
            if config.calibrationBacktestID == nil {
                logger.info("no backtest calibration matches this model, level and horizon: using residual intervals; run `forecastctl backtest` to calibrate")
            }
        }
        if let levels = config.quantileLevels, !levels.isEmpty {
            let words = levels.map { "\($0)" }.joined(separator: ",")
            guard let backtest = config.calibrationBacktestID else {
                throw PipelineError.invalidArgument(
                    "--levels \(words) needs a backtest that calibrated those levels for this model (level \(config.intervalLevel), horizon >= \(config.horizon)): run `forecastctl backtest --levels \(words)` first"
                )
            }
            let missing = try Calibrations.uncalibrated(levels, backtestID: backtest, main: config.intervalLevel, on: connection)
            guard missing.isEmpty else {
                throw PipelineError.invalidArgument(
                    "--levels: backtest \(backtest) did not calibrate \(missing.map { "\($0)" }.joined(separator: ",")) for every model it calibrated; run `forecastctl backtest --levels \(words)`\(config.served == nil ? "" : " and train a version with them (train --levels)")"
                )
            }
        }
        return RunResolution(config: config, serving: serving, notes: notes)
    }
}
