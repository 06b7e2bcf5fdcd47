import Pipeline

/// How the command line names each setting in its errors: by the flag that sets it.
extension Setting {
    var flag: String {
        switch self {
        case .horizon: return "--horizon"
        case .level: return "--level"
        case .levels: return "--levels"
        case .chunkSize: return "--chunk-size"
        case .leaseSeconds: return "--lease-seconds"
        case .heartbeatSeconds: return "--heartbeat-seconds"
        case .staleSLAHours: return "--stale-sla-hours"
        case .minVolumeRatio: return "--min-volume-ratio"
        case .minLandedShare: return "--min-landed-share"
        case .maxAttempts: return "--max-attempts"
        case .season: return "--season"
        case .window: return "--window"
        case .inputSchema: return "--input-schema"
        case .workers: return "--workers"
        case .refitDays: return "--refit-days"
        case .backtestLease: return "--lease"
        case .attributes: return "--attributes"
        case .statementTimeouts: return "--statement-timeouts"
        case .asOf: return "--as-of"
        case .cutoff: return "--cutoff"
        case .label: return "--label"
        case .version: return "--model-version"
        case .httpAddress: return "--http-address"
        }
    }
}
