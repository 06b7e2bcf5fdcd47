import Postgres

extension BacktestRunner {
    /// The data contracts on the backtest's snapshot before anything is scored or written: as of
    /// the newest fold cutoff, with the folds' reach as horizon (the calendar must cover what the
    /// folds forecast). Rules that guard a live feed (`applies_to: runs`) are left out. Outcomes
    /// are recorded against the backtest; a blocking violation throws `contractsBlocked`.
    /// Returns the warnings.
    func checkContracts(
        backtestID: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp, options: BacktestOptions,
        schema: SQLIdentifier, on connection: Connection
    ) throws -> [ContractOutcome] {
        let runner = ContractRunner(contracts: try Contract.loadAll(from: sql).filter { $0.scope == .all })
        let parameters = ContractParameters(
            cutoff: cutoff, asOf: asOf, horizon: options.plan.reach, frequency: options.frequency,
            staleSLAHours: RunConfig.defaultStaleSLAHours(options.frequency),
            minVolumeRatio: RunConfig.defaultMinVolumeRatio, schema: schema)
        let second = try connect()
        defer { second.close() }
        let outcomes = try runner.evaluateAll(parameters: parameters, connections: [connection, second])
        try runner.record(outcomes, runID: nil, backtestID: backtestID, on: connection)
        if outcomes.contains(where: \.blocks) { throw PipelineError.contractsBlocked(outcomes) }
        return outcomes.filter { !$0.passed }
    }
}
