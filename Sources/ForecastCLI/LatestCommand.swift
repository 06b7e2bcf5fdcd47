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

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        let (sample, total) = try StatusReport.latest(item: item, limit: limit, on: connection)
        var table = TextTable(header: sample.header)
        for r in sample.rows { table.add(r) }
        print(table.render())
        print("(\(sample.rows.count) of \(total) rows in forecast.latest)")
    }
}
