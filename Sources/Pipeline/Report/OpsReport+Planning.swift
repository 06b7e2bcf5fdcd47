import Escaping
import Forecasting
import Foundation
import Postgres

/// The report's sections for a planner: how accuracy and interval coverage fall off with the
/// horizon, the volume each region sold against what was forecast for it week by week, and the
/// exceptions (series whose 4-week forecast total missed by more than the contract's tolerance).
extension OpsReport {
    static let roleColors = ["served": "#d62728", "baseline": "#7f7f7f", "shadow": "#2ca02c"]

    static func horizonSection(_ f: Frequency, on connection: Connection) throws -> String {
        let rows = try connection.query(
            Query(
                """
                SELECT role, horizon, sum(abs_error) / nullif(sum(abs_actual), 0) AS wape,
                       sum(covered) / nullif(sum(forecasts), 0) AS coverage, sum(forecasts)::bigint AS n
                FROM forecast.evaluation_rollup_current WHERE frequency = \(f) AND in_last_4_weeks
                GROUP BY role, horizon ORDER BY role, horizon
                """
            ).named("report_by_horizon")
        ).rows
        guard !rows.isEmpty else { return "" }
        var wape: [String: [(x: Double, y: Double)]] = [:], coverage: [String: [(x: Double, y: Double)]] = [:]
        for r in rows {
            let role = try r.decode("role", as: String.self), h = Double(try r.decode("horizon", as: Int.self))
            if let w = try r.decodeIfPresent("wape", as: Double.self), w.isFinite { wape[role, default: []].append((h, 100 * w)) }
            coverage[role, default: []].append((h, 100 * (try r.decode("coverage", as: Double.self))))
        }
        let level = try connection.query(
            Query("SELECT interval_level FROM forecast.latest WHERE frequency = \(f.rawValue) LIMIT 1").named("report_level")
        ).first?.decodeIfPresent("interval_level", as: Double.self)
        let period = f == .day ? "days" : "weeks"
        var byHorizon = SVGChart(title: "WAPE % by horizon (\(period) ahead)", width: 380, height: 170)
        byHorizon.yUnit = "WAPE %"
        byHorizon.lines = wape.keys.sorted().map {
            SVGChart.Line(label: $0 == "baseline" ? "seasonal naive" : $0, color: roleColors[$0] ?? "#9467bd", points: wape[$0]!, dashed: $0 == "baseline")
        }
        var covered = SVGChart(title: "Interval coverage % by horizon", width: 380, height: 170)
        covered.yUnit = "%"
        covered.lines = ["served", "shadow"].compactMap { role in
            coverage[role].map { SVGChart.Line(label: role, color: roleColors[role]!, points: $0) }
        }
        if let level, let xs = coverage["served"]?.map(\.x), let lo = xs.min(), let hi = xs.max() {
            covered.lines.append(
                SVGChart.Line(
                    label: "nominal \(Int((100 * level).rounded())) %", color: "#1f77b4", points: [(lo, 100 * level), (hi, 100 * level)], dashed: true))
        }
        let levels = try connection.query(
            Query(
                """
                SELECT interval_level, forecasts, coverage FROM forecast.quantile_coverage_4w WHERE frequency = \(f) ORDER BY interval_level
                """
            ).named("report_level_coverage")
        ).rows.map { r -> [String] in
            let level = try r.decode("interval_level", as: Double.self), coverage = try r.decode("coverage", as: Double.self)
            return [String(format: "%.1f %%", 100 * level), String(try r.decode("forecasts", as: Int.self)), String(format: "%.1f %%", 100 * coverage)]
        }
        let levelTable =
            levels.count > 1
            ? "<p class=\"meta\">Every published interval level (<code>forecast.quantile_coverage_4w</code>): a level should hold about its share of the actuals.</p>"
                + HTML.table(["interval level", "forecasts", "actuals inside"], levels) : ""
        return
            "<h2>Accuracy and coverage by horizon</h2><p class=\"meta\">Evaluated forecasts of the last 4 weeks by how far ahead they were made: the error should grow slowly with the horizon and the served interval should hold its nominal coverage at every horizon.</p><div class=\"charts\">"
            + byHorizon.render() + covered.render() + "</div>" + levelTable
    }

    static func regionSection(_ f: Frequency, on connection: Connection) throws -> String {
        let rows = try connection.query(
            Query(
                """
                WITH weekly AS (
                    SELECT region, date_trunc('week', ds)::date AS week, sum(actual_total) AS actual, sum(yhat_total) AS forecast
                    FROM forecast.evaluation_rollup_current WHERE frequency = \(f) AND role = 'served'
                    GROUP BY region, week
                ), top AS (SELECT region FROM weekly GROUP BY region ORDER BY sum(actual) DESC, region LIMIT 6)
                SELECT w.* FROM weekly w JOIN top USING (region) ORDER BY region, week
                """
            ).named("report_regions")
        ).rows
        guard !rows.isEmpty else { return "" }
        var byRegion: [String: (actual: [(x: Double, y: Double)], forecast: [(x: Double, y: Double)])] = [:]
        for r in rows {
            let region = try r.decode("region", as: String.self), x = Double(try r.decode("week", as: PostgresDate.self).unixDays)
            byRegion[region, default: ([], [])].actual.append((x, try r.decode("actual", as: Double.self)))
            byRegion[region, default: ([], [])].forecast.append((x, try r.decode("forecast", as: Double.self)))
        }
        let charts = byRegion.keys.sorted().map { region -> String in
            var chart = SVGChart(title: "Region \(region): units per target week", width: 380, height: 170)
            chart.xLabel = { day($0) }
            chart.yUnit = "units"
            chart.yFormat = "%.0f"
            chart.lines = [
                SVGChart.Line(label: "actual", color: "#000000", points: byRegion[region]!.actual),
                SVGChart.Line(label: "served forecast", color: roleColors["served"]!, points: byRegion[region]!.forecast, dashed: true),
            ]
            return chart.render()
        }
        return
            "<h2>Volume by region</h2><p class=\"meta\">What each region sold against what the served forecasts said, per target week (the six largest regions).</p><div class=\"charts\">"
            + charts.joined() + "</div>"
    }

    static func exceptionSection(_ f: Frequency, on connection: Connection) throws -> String {
        let rates = try connection.query(
            Query(
                """
                SELECT role, count(*) AS series, count(*) FILTER (WHERE exception) AS exceptions, min(tolerance) AS tolerance
                FROM forecast.exceptions_4w WHERE frequency = \(f) GROUP BY role ORDER BY role
                """
            ).named("report_exception_rates")
        ).rows
        guard !rates.isEmpty else { return "" }
        func pct(_ v: Double) -> String { String(format: "%.1f %%", 100 * v) }
        let rateCells = try rates.map { r -> [String] in
            let n = try r.decode("series", as: Int.self), e = try r.decode("exceptions", as: Int.self)
            return [try r.decode("role", as: String.self), String(n), String(e), pct(Double(e) / Double(max(n, 1)))]
        }
        let tolerance = try rates[0].decode("tolerance", as: Double.self)
        let worst = try connection.query(
            Query(
                """
                SELECT item_id, location_id, category, region, round(forecast_total::numeric, 1)::text AS forecast,
                       round(actual_total::numeric, 1)::text AS actual, round(100 * miss_share::numeric, 1)::text AS miss
                FROM forecast.exceptions_4w WHERE frequency = \(f) AND role = 'served' AND exception
                ORDER BY abs(miss) DESC, item_id, location_id LIMIT 15
                """
            ).named("report_exceptions")
        ).rows.map { r in try ["item_id", "location_id", "category", "region", "forecast", "actual", "miss"].map { try r.decode($0, as: String.self) } }
        return
            "<h2>Exceptions</h2><p class=\"meta\">A series is an exception when its forecast total over the last 4 landed weeks missed its actual total by more than \(pct(tolerance)) of it (at least one unit; <code>forecast.exceptions_4w</code>, tolerance from the metrics contract).</p>"
            + HTML.table(["role", "series", "exceptions", "exception rate"], rateCells)
            + (worst.isEmpty
                ? ""
                : "<p class=\"meta\">The largest served exceptions:</p>"
                    + HTML.table(["item", "location", "category", "region", "forecast total", "actual total", "miss %"], worst))
    }
}
