import ArgumentParser
import Pipeline

/// How `run` does its work (`RunConfig.operations`): chunking, leases, attempts and statement
/// timeouts. They never change the rows, so `check`, which writes none, does not list them; a run
/// in flight is joined whatever they are.
struct OperationOptions: ParsableArguments {
    static let defaultChunkSize = 250
    static let defaultLeaseSeconds = 60.0
    static let defaultHeartbeatSeconds = 10.0
    static let defaultMaxAttempts = 3

    @Option(name: .customLong("chunk-size"), parsing: .unconditional, help: "Series per work item.")
    var chunkSize = Self.defaultChunkSize

    @Option(name: .customLong("lease-seconds"), parsing: .unconditional, help: "A work item whose worker stops heartbeating for this long is claimed again.")
    var leaseSeconds = Self.defaultLeaseSeconds

    @Option(name: .customLong("heartbeat-seconds"), parsing: .unconditional, help: "How often a busy worker renews its lease.")
    var heartbeatSeconds = Self.defaultHeartbeatSeconds

    @Option(name: .customLong("max-attempts"), parsing: .unconditional, help: "Attempts per work item before the run fails.")
    var maxAttempts = Self.defaultMaxAttempts

    @Option(
        name: .customLong("statement-timeouts"),
        help: ArgumentHelp(
            "Seconds one statement of each class may run before the server cancels it (the attempt is retried): CLASS=SECONDS pairs, classes claim, read, write, publish.",
            valueName: "claim=15,read=300,write=300,publish=600"))
    var statementTimeouts: String?

    /// Sets them on a run's config.
    func apply(to config: inout RunConfig) throws {
        config.chunkSize = chunkSize
        config.leaseSeconds = leaseSeconds
        config.heartbeatSeconds = heartbeatSeconds
        config.maxAttempts = maxAttempts
        config.statementTimeouts = try statementTimeouts.map(StatementTimeouts.parse)
    }
}
