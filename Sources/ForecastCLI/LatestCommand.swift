import ArgumentParser
import Pipeline

struct LatestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Print a sample of forecast.latest (what BI and ERP read).",
        discussion: HelpText.paragraphs(
            """
            BI and ERP jobs read the view itself: SELECT * FROM forecast.latest WHERE item_id = '...'.

            Examples:
              forecastctl latest --item I000042 --limit 28
              forecastctl latest --limit 1000 --format csv > sample.csv
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "Rows to print.")
    var limit = 10

    @Option(help: "Only this item.")
    var item: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        let (sample, total) = try StatusReport.latest(item: item, limit: limit, on: connection)
        try output.emit([sample], notes: ["(\(sample.rows.count) of \(total) rows in forecast.latest)"], command: "latest")
    }
}
