import ArgumentParser
import Pipeline

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the data contracts alone for a cutoff; exit 65 if a blocking one fails.",
        discussion: HelpText.paragraphs(
            """
            Results are recorded in forecast.contract_results with run_id NULL.

            Examples:
              forecastctl check --cutoff yesterday
              forecastctl check --cutoff 2026-11-29 --frequency week --format json
            """))

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let config = try options.config
        try config.validate()
        try config.frequency.validateCutoff(options.cutoff)
        let connection = try global.connect()
        defer { connection.close() }
        let outcomes = try ContractCheck.run(
            sql: try global.sqlDirectory(), cutoff: options.cutoff, asOf: options.asOf,
            config: config, on: connection)
        var listing = Listing(
            "contracts",
            columns: [
                .init("contract"), .init("table"), .init("severity"), .init("violations"), .init("duration_ms", "ms"), .init("result"),
                .init("sample_keys", "sample keys"),
            ])
        for o in outcomes {
            listing.add([
                .text(o.contract.name), .text(o.contract.table), .text(o.contract.severity.rawValue), .integer(o.violations),
                .number(o.durationMs, shown: String(Int(o.durationMs.rounded()))),
                .term(
                    o.passed ? "ok" : (o.blocks ? "block" : o.waivedBy != nil ? "waived" : "warn"),
                    shown: o.passed ? "ok" : (o.blocks ? "BLOCK" : o.waivedBy != nil ? "waived" : "warn")),
                .term(o.samples.joined(separator: "; "), shown: o.samples.isEmpty ? "" : "\(o.samples.count)"),
            ])
        }
        var notes = outcomes.filter { !$0.passed }.map { "\($0.blocks ? "BLOCK" : $0.waivedBy != nil ? "waived" : "warn"): \($0.summaryLine)" }
        if !outcomes.contains(where: \.blocks) {
            notes.append("check: \(outcomes.count) contracts, \(outcomes.filter { !$0.passed }.count) with violations, none blocking")
        }
        try output.emit([listing], notes: notes, command: "check")
        if outcomes.contains(where: \.blocks) { throw PipelineError.contractsBlocked(outcomes) }
    }
}
