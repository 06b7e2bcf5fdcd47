import ArgumentParser
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show recent runs and forecast freshness.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many runs to show.")
    var limit = 10

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let runs = try StatusReport.runs(limit: limit, on: connection)
        var table = TextTable(header: runs.header)
        for r in runs.rows { table.add(r.map { $0.count > 60 ? String($0.prefix(57)) + "..." : $0 }) }
        print(table.render())
        let freshness = try StatusReport.freshness(on: connection)
        var fresh = TextTable(header: freshness.header)
        for r in freshness.rows { fresh.add(r) }
        print("")
        print(fresh.render())
    }
}
