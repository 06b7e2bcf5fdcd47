import ArgumentParser
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show recent runs, forecast freshness and the schedule's jobs that are not done.",
        discussion: HelpText.paragraphs(
            """
            Examples:
              forecastctl status --limit 5
              # the stale frequencies:
              forecastctl status --format json | jq '.freshness[] | select(.stale)'
              # the monitor jobs not done yet:
              forecastctl status --format json | jq '.jobs[] | select(.kind == "monitor")'
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
        let jobs = try StatusReport.jobs(on: connection)
        // People read "none" rather than an empty table; scripts always get the jobs array.
        if output.format == .text && jobs.rows.isEmpty {
            try output.emit([runs, freshness], notes: ["", "jobs: none waiting, running or failed in the last 7 days"], command: "status")
        } else {
            try output.emit([runs, freshness, jobs], command: "status")
        }
    }
}
