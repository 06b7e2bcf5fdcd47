import Postgres

/// `forecastctl check`: the data contracts alone, on exactly the snapshot a run with the same
/// cutoff, as-of time and config would read (the cutoff is validated the same way).
public enum ContractCheck {
    /// Validates a cutoff and as-of time as `run` does: the config is valid, the cutoff closes a
    /// period of the run's frequency, and the as-of time is not before it. Without an as-of time
    /// (`asOfGiven` false: it is now) the cutoff is what is wrong: it has not ended yet.
    public static func validate(cutoff: PostgresDate, asOf: PostgresTimestamp, asOfGiven: Bool, config: RunConfig) throws {
        try config.validate()
        try config.frequency.validateCutoff(cutoff)
        guard asOf.date >= cutoff else {
            guard asOfGiven else {
                throw PipelineError.invalidSetting(
                    .cutoff, "\(cutoff) is in the future (the database's clock says \(asOf)): forecasts start from a day that has ended")
            }
            throw PipelineError.invalidSetting(.asOf, "\(asOf) is before the cutoff \(cutoff)")
        }
    }

    /// Runs every contract in `sql` and records the outcomes with no run id.
    public static func run(
        sql: SQLDirectory, cutoff: PostgresDate, asOf given: PostgresTimestamp?, config: RunConfig,
        on connection: Connection
    ) throws -> [ContractOutcome] {
        try Migrator(directory: sql).requireUpToDate(connection)
        let asOf = try RunStore.asOf(given, on: connection)
        try validate(cutoff: cutoff, asOf: asOf, asOfGiven: given != nil, config: config)
        let runner = ContractRunner(contracts: try Contract.loadAll(from: sql))
        let parameters = ContractParameters(cutoff: cutoff, asOf: asOf, config: config)
        let outcomes = try runner.evaluateAll(parameters: parameters, connections: [connection])
        try runner.record(outcomes, runID: nil, on: connection)
        return outcomes
    }
}
