import Escaping
import Forecasting
import Foundation
import Postgres

/// `forecastctl report`: one self-contained HTML page (inline SVG and CSS, no scripts, no network)
/// for planners and the on-call engineer: forecast against actuals with intervals for the top
/// offenders and sample series, the accuracy trend against the baseline by segment, the drift
/// table, open alerts, and the service and cost status.
public enum OpsReport {
    public struct Written: Sendable {
        public let path: String
        public let charts: Int
        public let bytes: Int
    }

    public static func write(frequency: Frequency, to directory: String, on connection: Connection) throws -> Written {
        let html = try render(frequency: frequency, on: connection)
        let dir = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("index.html")
        try SafeFile.write(Data(html.utf8), to: file.path)
        return Written(path: file.path, charts: html.components(separatedBy: "<svg ").count - 1, bytes: html.utf8.count)
    }

    static func day(_ unixDay: Double) -> String { PostgresDate(unixDays: Int(unixDay)).description }

    public static func render(frequency f: Frequency, on connection: Connection) throws -> String {
        let served = try connection.query(
            Query(
                """
                SELECT r.id, r.cutoff, r.model_version, r.published_at, coalesce(r.config ->> 'inputSchema', 'demand') AS schema, s.pinned
                FROM forecast.served_runs s JOIN forecast.runs r ON r.id = s.run_id WHERE s.frequency = \(f)
                """
            ).named("report_served")
        ).first
        var body = "<h1>Demand forecast: operations report (\(Escape.htmlText(f.rawValue)))</h1>"
        guard let served else {
            return page(body + "<p>No published \(Escape.htmlText(f.rawValue)) run yet.</p>")
        }
        let runID = try served.decode("id", as: Int64.self)
        let cutoff = try served.decode("cutoff", as: PostgresDate.self)
        let schema = SQLIdentifier(try served.decode("schema", as: String.self))
        body +=
            "<p class=\"meta\">Served run \(runID), cutoff \(cutoff), model version <b>\(Escape.htmlText(try served.decode("model_version", as: String.self)))</b>"
            + (try served.decode("pinned", as: Bool.self) ? " (pinned)" : "")
            + ", published \(Escape.htmlText(try served.decode("published_at", as: PostgresTimestamp.self).description)).</p>"
        body += try alertsSection(f, on: connection)
        body += try seriesSection(f, runID: runID, cutoff: cutoff, schema: schema, on: connection)
        body += try accuracySection(f, on: connection)
        body += try horizonSection(f, on: connection)
        body += try exceptionSection(f, on: connection)
        body += try regionSection(f, on: connection)
        body += try driftSection(f, runID: runID, on: connection)
        body += try serviceSection(on: connection)
        return page(body)
    }

    /// The report runs no script and loads nothing: scripts, objects, frames, forms and remote
    /// resources are refused even if a value escaped its escaping; the inline style block and
    /// inline SVG are all it needs.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    static func page(_ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
        <title>Demand forecast: operations report</title>
        <style>
        body { font-family: sans-serif; margin: 24px; color: #222; background: #fff; max-width: 1200px; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
        .meta { color: #555; } .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
        th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; } th { background: #f3f3f3; }
        tr.critical td { background: #fbe3e3; } tr.warn td { background: #fff4d6; } tr.bad td { background: #fbe3e3; }
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    static func alertsSection(_ f: Frequency, on connection: Connection) throws -> String {
        let rows = try connection.query(
            Query(
                """
                SELECT tier, rule, scope, round(value::numeric, 3)::text AS value, round(threshold::numeric, 3)::text AS threshold, message,
                       runbook, occurrences::text AS n, to_char(first_seen, 'YYYY-MM-DD HH24:MI') AS since
                FROM forecast.open_alerts WHERE frequency = \(f)
                """
            ).named("report_alerts")
        ).rows
        let cells = try rows.map { r in
            try ["tier", "rule", "scope", "value", "threshold", "message", "runbook", "n", "since"].map { try r.decodeIfPresent($0, as: String.self) ?? "" }
        }
        return "<h2>Open alerts</h2>"
            + HTML.table(
                ["tier", "rule", "scope", "value", "threshold", "what", "runbook section", "seen", "since"],
                cells, classes: cells.map { $0[0] })
    }

    static func seriesSection(
        _ f: Frequency, runID: Int64, cutoff: PostgresDate, schema: SQLIdentifier,
        on connection: Connection
    ) throws -> String {
        let offenders = try connection.query(
            Query(
                """
                SELECT item_id, location_id FROM forecast.top_offenders WHERE frequency = \(f) ORDER BY rank LIMIT 3
                """
            ).named("report_offenders")
        ).rows.map { (try $0.decode("item_id", as: String.self), try $0.decode("location_id", as: String.self), true) }
        let samples = try connection.query(
            Query(
                """
                SELECT item_id, location_id FROM forecast.run_series WHERE run_id = \(runID) ORDER BY series_no LIMIT 6
                """
            ).named("report_samples")
        ).rows.map { (try $0.decode("item_id", as: String.self), try $0.decode("location_id", as: String.self), false) }
        var picked: [(String, String, Bool)] = offenders
        for s in samples where picked.count < 6 && !picked.contains(where: { $0.0 == s.0 && $0.1 == s.1 }) { picked.append(s) }
        let step = f == .day ? 1 : 7
        // Where the served model version changed: the first published cutoff of each version.
        let changes = try connection.query(
            Query(
                """
                SELECT model_version, min(cutoff) AS first FROM forecast.runs
                WHERE frequency = \(f) AND status IN ('published', 'superseded') GROUP BY model_version
                HAVING min(cutoff) > (SELECT min(cutoff) FROM forecast.runs WHERE frequency = \(f) AND status IN ('published', 'superseded'))
                ORDER BY 2
                """
            ).named("report_version_changes")
        ).rows.map { (x: Double(try $0.decode("first", as: PostgresDate.self).unixDays), label: "→ " + (try $0.decode("model_version", as: String.self))) }
        var charts: [String] = []
        for (item, location, offender) in picked {
            let actual = try connection.query(
                Query(
                    """
                    SELECT d::date AS ds, coalesce(s.qty, 0) AS qty
                    FROM generate_series((SELECT max(ds) FROM \(ident: schema).sales) - \(6 * 7 * step)::int,
                                         (SELECT max(ds) FROM \(ident: schema).sales), make_interval(days => \(step)::int)) d
                    LEFT JOIN \(ident: schema).sales s ON s.item_id = \(item) AND s.location_id = \(location) AND s.ds = d::date
                    ORDER BY 1
                    """
                ).named("report_actuals")
            ).rows.map { (x: Double(try $0.decode("ds", as: PostgresDate.self).unixDays), y: try $0.decode("qty", as: Double.self)) }
            // The current evaluations of one series, read from the table (published runs, not
            // replaced) rather than through forecast.evaluation_current: that view's window over
            // every evaluation (in_last_4_weeks) keeps the series filter from reaching the index.
            let made = try connection.query(
                Query(
                    """
                    SELECT DISTINCT ON (e.ds) e.ds, e.yhat, e.yhat_lower, e.yhat_upper
                    FROM forecast.evaluations e JOIN forecast.runs r ON r.id = e.run_id AND r.status = 'published'
                    WHERE e.frequency = \(f) AND e.role = 'served' AND e.item_id = \(item) AND e.location_id = \(location)
                      AND e.replaced_at IS NULL
                      AND e.ds >= (SELECT max(ds) FROM forecast.evaluation_rollup_current WHERE frequency = \(f)) - \(6 * 7 * step)::int
                    ORDER BY e.ds, e.horizon
                    """
                ).named("report_made")
            ).rows.map {
                (
                    x: Double(try $0.decode("ds", as: PostgresDate.self).unixDays), y: try $0.decode("yhat", as: Double.self),
                    lower: try $0.decode("yhat_lower", as: Double.self), upper: try $0.decode("yhat_upper", as: Double.self)
                )
            }
            let future = try connection.query(
                Query(
                    """
                    SELECT ds, yhat, yhat_lower, yhat_upper FROM forecast.forecasts
                    WHERE run_id = \(runID) AND item_id = \(item) AND location_id = \(location) ORDER BY ds
                    """
                ).named("report_future")
            ).rows.map {
                (
                    x: Double(try $0.decode("ds", as: PostgresDate.self).unixDays), y: try $0.decode("yhat", as: Double.self),
                    lower: try $0.decode("yhat_lower", as: Double.self), upper: try $0.decode("yhat_upper", as: Double.self)
                )
            }
            var chart = SVGChart(title: "\(item) @ \(location)\(offender ? " (top offender)" : "")")
            chart.xLabel = { day($0) }
            chart.yUnit = "units"
            chart.bands = [
                SVGChart.Band(label: "interval", color: "#1f77b4", points: made.map { ($0.x, $0.lower, $0.upper) } + future.map { ($0.x, $0.lower, $0.upper) })
            ]
            chart.lines = [
                SVGChart.Line(label: "actual", color: "#222222", points: actual),
                SVGChart.Line(label: "forecast as made (1 step ahead)", color: "#1f77b4", points: made.map { ($0.x, $0.y) }, dashed: true),
                SVGChart.Line(label: "latest forecast", color: "#d62728", points: future.map { ($0.x, $0.y) }),
            ]
            let shown = (actual.map(\.x) + future.map(\.x)).min() ?? 0
            chart.markers = [(Double(cutoff.unixDays), "cutoff \(cutoff)")] + changes.filter { $0.x >= shown && $0.x < Double(cutoff.unixDays) }
            charts.append(chart.render())
        }
        return
            "<h2>Forecast against actuals</h2><p class=\"meta\">Top offenders (largest absolute error over the last 4 weeks) and sample series: actual sales, the forecast each target got when it was one step ahead, and the served run's forecast with its interval.</p><div class=\"charts\">"
            + charts.joined() + "</div>"
    }

    static func accuracySection(_ f: Frequency, on connection: Connection) throws -> String {
        let rows = try connection.query(
            Query(
                """
                SELECT CASE WHEN grouping(category) = 0 THEN category ELSE 'all series' END AS segment, role,
                       date_trunc('week', ds)::date AS week, sum(abs_error) / nullif(sum(abs_actual), 0) AS wape
                FROM forecast.evaluation_rollup_current WHERE frequency = \(f)
                GROUP BY GROUPING SETS ((role, week), (category, role, week))
                """
            ).named("report_accuracy_trend")
        ).rows
        var series: [String: [String: [(x: Double, y: Double)]]] = [:]
        for r in rows {
            guard let wape = try r.decodeIfPresent("wape", as: Double.self) else { continue }
            series[try r.decode("segment", as: String.self), default: [:]][try r.decode("role", as: String.self), default: []]
                .append((Double(try r.decode("week", as: PostgresDate.self).unixDays), 100 * wape))
        }
        let colors = roleColors
        var charts: [String] = []
        let segments = ["all series"] + series.keys.filter { $0 != "all series" }.sorted().prefix(8)
        for segment in segments {
            guard let roles = series[segment] else { continue }
            var chart = SVGChart(title: "WAPE % by target week: \(segment)", width: 380, height: 170)
            chart.xLabel = { day($0) }
            chart.yUnit = "WAPE %"
            chart.lines = roles.keys.sorted().map {
                SVGChart.Line(
                    label: $0 == "baseline" ? "seasonal naive" : $0, color: colors[$0] ?? "#9467bd",
                    points: roles[$0]!.sorted { $0.x < $1.x })
            }
            charts.append(chart.render())
        }
        let fva = try connection.query(
            Query(
                """
                SELECT segment_kind, segment, forecasts::text AS n, round(100 * served_wape::numeric, 1)::text AS served,
                       round(100 * baseline_wape::numeric, 1)::text AS baseline, coalesce(round(100 * shadow_wape::numeric, 1)::text, '-') AS shadow,
                       round(100 * value_added::numeric, 1)::text AS fva
                FROM forecast.forecast_value_added WHERE frequency = \(f) ORDER BY segment_kind = 'all' DESC, segment_kind, segment
                """
            ).named("report_fva")
        ).rows
        let cells = try fva.map { r in
            try ["segment_kind", "segment", "n", "served", "baseline", "shadow", "fva"].map { try r.decodeIfPresent($0, as: String.self) ?? "-" }
        }
        return
            "<h2>Accuracy against the baseline</h2><p class=\"meta\">Weekly WAPE of evaluated forecasts (actuals landed), served model against seasonal naive (and the shadow version); the table is the last 4 weeks.</p><div class=\"charts\">"
            + charts.joined() + "</div>"
            + HTML.table(
                ["kind", "segment", "forecasts", "served WAPE %", "baseline WAPE %", "shadow WAPE %", "value added %"], cells,
                classes: cells.map { (Double($0[6]) ?? 0) < 0 ? "bad" : "" })
    }

    /// The drift of the served run (issue 29, finding 15: it showed the newest monitored run, which
    /// after a backfill was another cutoff's).
    static func driftSection(_ f: Frequency, runID: Int64, on connection: Connection) throws -> String {
        let rows = try connection.query(
            Query(
                """
                SELECT d.feature, d.segment_kind || ' ' || d.segment AS segment, d.reference, round(d.psi::numeric, 3)::text AS psi,
                       round(d.warn_at::numeric, 2)::text AS warn, round(d.critical_at::numeric, 2)::text AS critical,
                       CASE WHEN d.psi >= d.critical_at THEN 'critical' WHEN d.psi >= d.warn_at THEN 'warn' ELSE '' END AS level
                FROM forecast.drift_results d
                WHERE d.run_id = \(runID)
                ORDER BY d.psi / d.critical_at DESC LIMIT 15
                """
            ).named("report_drift")
        ).rows
        let cells = try rows.map { r in try ["feature", "segment", "reference", "psi", "warn", "critical", "level"].map { try r.decode($0, as: String.self) } }
        return "<h2>Drift (served run \(runID))</h2>"
            + HTML.table(
                ["feature", "segment", "reference", "PSI", "warn at", "critical at", "level"],
                cells, classes: cells.map { $0[6] })
    }

    static func serviceSection(on connection: Connection) throws -> String {
        let status = try ServiceObjectives.status(on: connection)
        let cells = status.rows.map { $0.map(\.shown) }
        let fresh = try connection.query(
            Query(
                """
                SELECT source, coalesce(to_char(newest AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-') AS newest,
                       extract(epoch FROM age)::float8 AS age, extract(epoch FROM max_age)::float8 AS max_age, coalesce(ok::text, 'false') AS ok
                FROM forecast.input_freshness ORDER BY source
                """
            ).named("report_freshness")
        ).rows
        let freshCells = try fresh.map { r in
            [
                try r.decode("source", as: String.self), try r.decode("newest", as: String.self),
                Listing.Cell.duration(try r.decodeIfPresent("age", as: Double.self)).shown,
                Listing.Cell.duration(try r.decodeIfPresent("max_age", as: Double.self)).shown, try r.decode("ok", as: String.self),
            ]
        }
        return "<h2>Service objectives and cost</h2>"
            + HTML.table(status.columns.map(\.header), cells, classes: status.rows.map { $0.last == .flag(false, shown: "false") ? "bad" : "" })
            + HTML.table(["input", "newest row (UTC)", "age", "max age", "ok"], freshCells, classes: freshCells.map { $0[4] == "false" ? "bad" : "" })
    }
}
