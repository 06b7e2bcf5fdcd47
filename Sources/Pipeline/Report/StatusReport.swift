import Postgres

/// What `forecastctl status` and `latest` show, read from the database's own views
/// (`forecast.run_summary`, `forecast.freshness`, `forecast.latest`) as rows of display text:
/// the CLI only prints them.
public enum StatusReport {
    public struct Table: Sendable {
        public let header: [String]
        public let rows: [[String]]
    }

    /// The newest `limit` runs: status (abandoned runs marked), counts, held items, heartbeat age.
    public static func runs(limit: Int, on connection: Connection) throws -> Table {
        let rows = try connection.query(
            Query(
                """
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
                """
            ).named("status_runs")
        ).rows.map { $0.values.map { $0 ?? "" } }
        return Table(
            header: ["run", "cutoff", "freq", "status", "series", "rows", "items", "held", "heartbeat", "warnings", "duration", "error"],
            rows: rows)
    }

    /// Freshness per frequency: the served run (marked when pinned), its age against the SLA.
    public static func freshness(on connection: Connection) throws -> Table {
        let rows = try connection.query(
            Query(
                """
                SELECT frequency,
                       coalesce(run_id::text, '-') || CASE WHEN EXISTS (SELECT 1 FROM forecast.output_pins p WHERE p.frequency = f.frequency)
                                                          THEN ' (pinned)' ELSE '' END AS run,
                       coalesce(cutoff::text, '-') AS cutoff,
                       coalesce(to_char(published_at, 'YYYY-MM-DD HH24:MI:SS'), '-') AS published,
                       coalesce(justify_interval(date_trunc('second', age))::text, '-') AS age, max_age::text AS sla,
                       CASE WHEN is_stale THEN 'STALE' ELSE 'ok' END AS stale
                FROM forecast.freshness f ORDER BY frequency
                """
            ).named("status_freshness")
        ).rows.map { $0.values.map { $0 ?? "" } }
        return Table(header: ["frequency", "run", "cutoff", "published_at", "age", "sla", "stale"], rows: rows)
    }

    /// A sample of `forecast.latest` (one item, or the first rows) and the view's row count.
    public static func latest(item: String?, limit: Int, on connection: Connection) throws -> (Table, total: Int) {
        let rows = try connection.query(
            Query(
                """
                SELECT item_id, location_id, ds::text, horizon::text, round(yhat::numeric, 2)::text, round(yhat_lower::numeric, 2)::text,
                       round(yhat_upper::numeric, 2)::text, interval_level::text, model_name, run_id::text, cutoff::text
                FROM forecast.latest
                WHERE \(item)::text IS NULL OR item_id = \(item)::text
                ORDER BY item_id, location_id, ds LIMIT \(limit)
                """
            ).named("latest_sample")
        ).rows.map { $0.values.map { $0 ?? "" } }
        let total =
            try connection.query(Query("SELECT count(*) AS n FROM forecast.latest").named("latest_count"))
            .first?.decode("n", as: Int.self) ?? 0
        return (Table(header: ["item", "location", "ds", "h", "yhat", "lower", "upper", "level", "model", "run", "cutoff"], rows: rows), total)
    }
}
