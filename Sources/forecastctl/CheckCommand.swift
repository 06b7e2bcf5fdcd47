import ArgumentParser
import Pipeline

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the data contracts alone for a cutoff; exit 65 if a blocking one fails.",
        discussion: "Results are recorded in forecast.contract_results with run_id NULL.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: RunOptions

    func run() throws {
        try options.config.validate()
        let connection = try global.connect()
        defer { connection.close() }
        let sql = try global.sqlDirectory()
        try Migrator(directory: sql).requireUpToDate(connection)
        let runner = ContractRunner(contracts: try Contract.loadAll(from: sql))
        let asOf = try RunStore.asOf(options.asOf, on: connection)
        let c = options.config
        let parameters = ContractParameters(cutoff: options.cutoff, asOf: asOf, horizon: c.horizon, frequency: c.frequency,
                                            staleSLAHours: c.staleSLAHours, minVolumeRatio: c.minVolumeRatio, schema: c.schema)
        let outcomes = try runner.evaluateAll(parameters: parameters, connections: [connection])
        try runner.record(outcomes, runID: nil, on: connection)
        var table = TextTable(header: ["contract", "table", "severity", "violations", "ms", "result"])
        for o in outcomes {
            table.add([o.contract.name, o.contract.table, o.contract.severity.rawValue, String(o.violations),
                       String(Int(o.durationMs.rounded())), o.passed ? "ok" : (o.blocks ? "BLOCK" : "warn")])
        }
        print(table.render())
        for o in outcomes where !o.passed { print("\(o.blocks ? "BLOCK" : "warn"): \(o.summaryLine)") }
        if outcomes.contains(where: \.blocks) { throw PipelineError.contractsBlocked(outcomes) }
        print("check: \(outcomes.count) contracts, \(outcomes.filter { !$0.passed }.count) with violations, none blocking")
    }
}
