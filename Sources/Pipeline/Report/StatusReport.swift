import Postgres

/// What `forecastctl status` and `latest` show, read from the database's own views
/// (`forecast.run_summary`, `forecast.freshness`, `forecast.latest`) as listings with stable field
/// names (text for people, JSON or CSV for scripts): the CLI only prints them.
public enum StatusReport {
    /// The newest `limit` runs: status (abandoned runs marked), counts, held items, heartbeat age.
    public static func runs(limit: Int, on connection: Connection) throws -> Listing {
        let rows = try connection.query(
            Query(
                """
                SELECT id, cutoff::text, frequency, CASE WHEN abandoned THEN 'abandoned' ELSE status END AS status,
                       extract(epoch FROM idle)::float8 AS idle, coalesce(series_count, 0) AS series, coalesce(row_count, 0) AS rows,
                       items_completed, coalesce(items_total, 0) AS items_total,
                       CASE WHEN status = 'running' THEN held_items END AS held,
                       extract(epoch FROM oldest_heartbeat_age)::float8 AS heartbeat_age, warning_count,
                       extract(epoch FROM duration)::float8 AS duration, error
                FROM forecast.run_summary ORDER BY id DESC LIMIT \(limit)
                """
            ).named("status_runs"))
        var listing = Listing(
            "runs",
            columns: [
                .init("run"), .init("cutoff"), .init("frequency", "freq"), .init("status"), .init("series"), .init("rows"),
                .init("items_completed", "done"), .init("items_total", "items"), .init("held_items", "held"),
                .init("heartbeat_age_seconds", "heartbeat"), .init("warnings"), .init("duration_seconds", "duration"), .init("error"),
            ])
        for r in rows.rows {
            let status = try r.decode("status", as: String.self)
            let idle = try r.decodeIfPresent("idle", as: Double.self)
            let shownStatus: String
            switch status {
            case "abandoned": shownStatus = "ABANDONED (idle \(Int((idle ?? 0).rounded())) s)"
            case "running": shownStatus = "running (idle \(Int((idle ?? 0).rounded())) s)"
            default: shownStatus = status
            }
            let heartbeat = try r.decodeIfPresent("heartbeat_age", as: Double.self)
            let duration = try r.decodeIfPresent("duration", as: Double.self)
            let error = try r.decodeIfPresent("error", as: String.self)
            listing.add([
                .integer(try r.decode("id")), .text(try r.decode("cutoff", as: String.self)), .text(try r.decode("frequency", as: String.self)),
                .term(status, shown: shownStatus), .integer(try r.decode("series")), .integer(try r.decode("rows")),
                .integer(try r.decode("items_completed")), .integer(try r.decode("items_total")),
                (try r.decodeIfPresent("held", as: Int.self)).map { .integer($0) } ?? .missing(shown: ""),
                heartbeat.map { .number($0, shown: Listing.Cell.fixed($0, 1) + " s ago") } ?? .missing(shown: ""),
                .integer(try r.decode("warning_count")),
                duration.map { .number($0, shown: Listing.Cell.fixed($0, 1) + " s") } ?? .missing(shown: ""),
                .clipped(error),
            ])
        }
        return listing
    }

    /// Freshness per frequency: the served run (marked when pinned), its age against the SLA.
    public static func freshness(on connection: Connection) throws -> Listing {
        let rows = try connection.query(
            Query(
                """
                SELECT frequency, run_id, EXISTS (SELECT 1 FROM forecast.output_pins p WHERE p.frequency = f.frequency) AS pinned,
                       cutoff::text, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_at,
                       extract(epoch FROM age)::float8 AS age_seconds, extract(epoch FROM max_age)::float8 AS sla_seconds, is_stale
                FROM forecast.freshness f ORDER BY frequency
                """
            ).named("status_freshness"))
        var listing = Listing(
            "freshness",
            columns: [
                .init("frequency"), .init("run"), .init("pinned"), .init("cutoff"), .init("published_at"), .init("age_seconds", "age"),
                .init("sla_seconds", "sla"), .init("stale"),
            ])
        for r in rows.rows {
            let stale = try r.decodeIfPresent("is_stale", as: Bool.self) ?? false
            let age = try r.decodeIfPresent("age_seconds", as: Double.self)
            let sla = try r.decodeIfPresent("sla_seconds", as: Double.self)
            listing.add([
                .text(try r.decode("frequency", as: String.self)),
                (try r.decodeIfPresent("run_id", as: Int.self)).map { .integer($0) } ?? .missing(shown: "-"),
                .flag(try r.decode("pinned"), shown: try r.decode("pinned", as: Bool.self) ? "pinned" : ""),
                .text(try r.decodeIfPresent("cutoff", as: String.self)), .text(try r.decodeIfPresent("published_at", as: String.self)),
                .duration(age), .duration(sla),
                .flag(stale, shown: stale ? "STALE" : "ok"),
            ])
        }
        return listing
    }

    /// The schedule's jobs that are not done: waiting (with how long since they were due), running,
    /// or failed in the last 7 days. A monitor job due for more than 30 minutes says that no
    /// daemon in forecast_monitor is taking it (no alert is being recorded meanwhile).
    public static func jobs(on connection: Connection) throws -> Listing {
        let rows = try connection.query(
            Query(
                """
                SELECT id, kind, frequency, state, attempt, max_attempts, taken_by, error,
                       extract(epoch FROM clock_timestamp() - CASE state WHEN 'running' THEN taken_at ELSE scheduled_at END)::float8 AS since
                FROM forecast.job_requests
                WHERE state IN ('available', 'running') OR (state = 'failed' AND finished_at > clock_timestamp() - interval '7 days')
                ORDER BY id DESC LIMIT 50
                """
            ).named("status_jobs"))
        var listing = Listing(
            "jobs",
            columns: [
                .init("job"), .init("kind"), .init("frequency", "freq"), .init("state"), .init("since_seconds", "since"),
                .init("attempt"), .init("max_attempts", "max"), .init("taken_by", "daemon"), .init("error"),
            ])
        for r in rows.rows {
            let kind = try r.decode("kind", as: String.self), state = try r.decode("state", as: String.self)
            let since = try r.decodeIfPresent("since", as: Double.self)
            let shown: String
            switch state {
            case "available" where (since ?? 0) < 0: shown = try r.decode("attempt", as: Int.self) > 0 ? "retry later" : "scheduled"
            case "available" where kind == "monitor" && (since ?? 0) > 1800: shown = "WAITING (no monitor daemon?)"
            case "available" where (since ?? 0) > 3600: shown = "WAITING (no daemon takes \(kind))"
            case "available": shown = "waiting"
            default: shown = state
            }
            let error = try r.decodeIfPresent("error", as: String.self)
            listing.add([
                .integer(try r.decode("id")), .text(kind), .text(try r.decode("frequency", as: String.self)), .term(state, shown: shown),
                .duration(since), .integer(try r.decode("attempt")), .integer(try r.decode("max_attempts")),
                .text(try r.decodeIfPresent("taken_by", as: String.self)),
                .clipped(error),
            ])
        }
        return listing
    }

    /// A sample of `forecast.latest` (one item, or the first rows) and the view's row count.
    public static func latest(item: String?, limit: Int, on connection: Connection) throws -> (Listing, total: Int) {
        let rows = try connection.query(
            Query(
                """
                SELECT item_id, location_id, ds::text, horizon, yhat, yhat_lower, yhat_upper, interval_level, model_name, run_id, cutoff::text
                FROM forecast.latest
                WHERE \(item)::text IS NULL OR item_id = \(item)::text
                ORDER BY item_id, location_id, ds LIMIT \(limit)
                """
            ).named("latest_sample"))
        var listing = Listing(
            "latest",
            columns: [
                .init("item_id", "item"), .init("location_id", "location"), .init("ds"), .init("horizon", "h"), .init("yhat"),
                .init("yhat_lower", "lower"), .init("yhat_upper", "upper"), .init("interval_level", "level"), .init("model_name", "model"),
                .init("run_id", "run"), .init("cutoff"),
            ])
        for r in rows.rows {
            func value(_ column: String) throws -> Listing.Cell {
                .number(try r.decodeIfPresent(column, as: Double.self), digits: 2)
            }
            listing.add([
                .text(try r.decode("item_id", as: String.self)), .text(try r.decode("location_id", as: String.self)),
                .text(try r.decode("ds", as: String.self)), .integer(try r.decode("horizon")), try value("yhat"), try value("yhat_lower"),
                try value("yhat_upper"), .number(try r.decodeIfPresent("interval_level", as: Double.self), digits: 2),
                .text(try r.decode("model_name", as: String.self)), .integer(try r.decode("run_id")), .text(try r.decode("cutoff", as: String.self)),
            ])
        }
        let total =
            try connection.query(Query("SELECT count(*) AS n FROM forecast.latest").named("latest_count"))
            .first?.decode("n", as: Int.self) ?? 0
        return (listing, total)
    }
}
