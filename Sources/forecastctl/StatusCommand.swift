import ArgumentParser
import Pipeline
import Postgres

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show recent runs and forecast freshness.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many runs to show.")
    var limit = 10

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        try Migrator(directory: try global.sqlDirectory()).requireUpToDate(connection)
        var runs = TextTable(header: ["run", "cutoff", "freq", "status", "series", "rows", "items", "held", "heartbeat", "warnings", "duration", "error"])
        for r in try connection.query(Query("""
            SELECT id, cutoff, frequency,
                   CASE WHEN abandoned THEN 'ABANDONED (idle ' || round(extract(epoch FROM idle))::text || ' s)'
                        WHEN status = 'running' THEN 'running (idle ' || round(extract(epoch FROM idle))::text || ' s)'
                        ELSE status END AS status,
                   coalesce(series_count, 0) AS series, coalesce(row_count, 0) AS rows,
                   items_completed || '/' || coalesce(items_total, 0) AS items,
                   CASE WHEN status = 'running' THEN held_items::text ELSE '' END AS held,
                   coalesce(round(extract(epoch FROM oldest_heartbeat_age)::numeric, 1)::text || ' s ago', '') AS heartbeat,
                   warning_count,
                   coalesce(round(extract(epoch FROM duration)::numeric, 1)::text || ' s', '') AS duration, coalesce(error, '') AS error
            FROM forecast.run_summary ORDER BY id DESC LIMIT \(limit)
            """).named("status_runs")).rows {
            runs.add(r.values.map { $0 ?? "" }.map { $0.count > 60 ? String($0.prefix(57)) + "..." : $0 })
        }
        print(runs.render())
        var fresh = TextTable(header: ["frequency", "run", "cutoff", "published_at", "age", "sla", "stale"])
        for r in try connection.query(Query("""
            SELECT frequency, coalesce(run_id::text, '-') AS run, coalesce(cutoff::text, '-') AS cutoff,
                   coalesce(to_char(published_at, 'YYYY-MM-DD HH24:MI:SS'), '-') AS published,
                   coalesce(justify_interval(date_trunc('second', age))::text, '-') AS age, max_age::text AS sla,
                   CASE WHEN is_stale THEN 'STALE' ELSE 'ok' END AS stale
            FROM forecast.freshness ORDER BY frequency
            """).named("status_freshness")).rows {
            fresh.add(r.values.map { $0 ?? "" })
        }
        print("")
        print(fresh.render())
    }
}
