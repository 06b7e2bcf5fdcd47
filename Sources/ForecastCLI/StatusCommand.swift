import ArgumentParser
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show recent runs and forecast freshness.",
        discussion: HelpText.paragraphs(
            """
            Examples:
              forecastctl status --limit 5
              # the stale frequencies:
              forecastctl status --format json | jq '.freshness[] | select(.stale)'
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many runs to show.")
    var limit = 10

    @OptionGroup var output: OutputOptions

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let runs = try StatusReport.runs(limit: limit, on: connection)
        let freshness = try StatusReport.freshness(on: connection)
        try output.emit([runs, freshness], command: "status")
    }
}
