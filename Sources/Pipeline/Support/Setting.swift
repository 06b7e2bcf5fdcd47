/// A setting a person chooses: a flag of `forecastctl`, a field of a run request or of a stored
/// recipe. An error about one carries it as a value (`PipelineError.invalidSetting`) and each
/// front end words it: the command line as its flag (`--horizon`), the daemon and the database
/// (a run request's error) in these words.
public enum Setting: String, Sendable, CaseIterable {
    case horizon
    case level = "interval level"
    case levels = "extra interval levels"
    case chunkSize = "chunk size"
    case leaseSeconds = "lease"
    case heartbeatSeconds = "heartbeat"
    case staleSLAHours = "stale-data SLA (hours)"
    case minVolumeRatio = "minimum volume ratio"
    case minLandedShare = "minimum landed share"
    case maxAttempts = "maximum attempts"
    case season = "season length"
    case window
    case inputSchema = "input schema"
    case workers
    case refitDays = "refit days"
    case backtestLease = "backtest lease"
    case attributes
    case statementTimeouts = "statement timeouts"
    case asOf = "as-of time"
    case cutoff
    case label
    case version
    case httpAddress = "HTTP address"
}
