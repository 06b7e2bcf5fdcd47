import ArgumentParser
import Pipeline

struct LatestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Print a sample of forecast.latest (what BI and ERP read).")

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
