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
        let config = try options.config
        try config.validate()
        try config.frequency.validateCutoff(options.cutoff)
        let connection = try global.connect()
        defer { connection.close() }
        let outcomes = try ContractCheck.run(
            sql: try global.sqlDirectory(), cutoff: options.cutoff, asOf: options.asOf,
            config: config, on: connection)
        var table = TextTable(header: ["contract", "table", "severity", "violations", "ms", "result"])
        for o in outcomes {
            table.add([
                o.contract.name, o.contract.table, o.contract.severity.rawValue, String(o.violations),
                String(Int(o.durationMs.rounded())), o.passed ? "ok" : (o.blocks ? "BLOCK" : o.waivedBy != nil ? "waived" : "warn"),
            ])
        }
        print(table.render())
        for o in outcomes where !o.passed { print("\(o.blocks ? "BLOCK" : o.waivedBy != nil ? "waived" : "warn"): \(o.summaryLine)") }
        if outcomes.contains(where: \.blocks) { throw PipelineError.contractsBlocked(outcomes) }
        print("check: \(outcomes.count) contracts, \(outcomes.filter { !$0.passed }.count) with violations, none blocking")
    }
}
