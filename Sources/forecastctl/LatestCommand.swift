import ArgumentParser
import Pipeline
import Postgres

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
        var table = TextTable(header: ["item", "location", "ds", "h", "yhat", "lower", "upper", "level", "model", "run", "cutoff"])
        let rows = try connection.query(Query("""
            SELECT item_id, location_id, ds::text, horizon::text, round(yhat::numeric, 2)::text, round(yhat_lower::numeric, 2)::text,
                   round(yhat_upper::numeric, 2)::text, interval_level::text, model_name, run_id::text, cutoff::text
            FROM forecast.latest
            WHERE \(item)::text IS NULL OR item_id = \(item)::text
            ORDER BY item_id, location_id, ds LIMIT \(limit)
            """).named("latest_sample")).rows
        for r in rows { table.add(r.values.map { $0 ?? "" }) }
        print(table.render())
        let total = try connection.query(Query("SELECT count(*) AS n FROM forecast.latest").named("latest_count")).first?.decode("n", as: Int.self) ?? 0
        print("(\(rows.count) of \(total) rows in forecast.latest)")
    }
}
