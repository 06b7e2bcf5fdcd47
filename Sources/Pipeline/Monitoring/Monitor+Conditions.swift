import Forecasting
import Foundation
import Postgres

/// The data-quality and sustained-accuracy conditions of a monitor pass (drift is in `Monitor.drift`).
extension Monitor {
    func quality(_ current: [Profile], trailing: [Int64], profiles: [Profile]) -> [AlertCondition] {
        guard !trailing.isEmpty else { return [] }
        var out: [AlertCondition] = []
        let previous = profiles.filter { trailing.contains($0.run) && $0.kind == .all }
        func pct(_ v: Double) -> String { String(format: "%.1f%%", 100 * v) }
        // Series count against the trailing median.
        if let now = current.first(where: { $0.kind == .all && $0.feature == "recent_mean" }) {
            let counts = previous.filter { $0.feature == "recent_mean" }.map(\.series).sorted()
            if !counts.isEmpty {
                let median = Double(counts[counts.count / 2])
                let drop = 1 - Double(now.series) / median
                if drop > config.seriesDrop {
                    out.append(
                        AlertCondition(
                            rule: "quality.series_count", kind: .quality, tier: .critical, scope: "all",
                            value: Double(now.series), threshold: median * (1 - config.seriesDrop),
                            message:
                                "\(now.series) series forecast, \(pct(drop)) fewer than the trailing median \(Int(median)): sales or dimension rows are missing",
                            runbook: "Data-quality alerts"))
                }
            }
        }
        for now in current where now.kind == .all && now.series > 0 {
            let earlier = previous.filter { $0.feature == now.feature && $0.series > 0 }
            guard !earlier.isEmpty else { continue }
            let missingNow = Double(now.missing) / Double(now.series)
            let missingBefore = earlier.reduce(0) { $0 + Double($1.missing) / Double($1.series) } / Double(earlier.count)
            if missingNow - missingBefore > config.missingRateSpike {
                out.append(
                    AlertCondition(
                        rule: "quality.missing.\(now.feature)", kind: .quality, tier: .critical, scope: "all",
                        value: missingNow, threshold: missingBefore + config.missingRateSpike,
                        message:
                            "\(now.feature) is missing for \(pct(missingNow)) of series (trailing runs: \(pct(missingBefore))): an input feed is broken or late",
                        runbook: "Data-quality alerts"))
            }
            if now.feature == "fallback" {
                let share = 1 - Double(now.zeros + now.missing) / Double(now.series)
                if share > config.fallbackShare {
                    out.append(
                        AlertCondition(
                            rule: "quality.fallback_share", kind: .quality, tier: .warn, scope: "all", value: share,
                            threshold: config.fallbackShare,
                            message:
                                "\(pct(share)) of series were served by the naive fallback because their model failed (forecast.runs.fallback_series): look at the run's log for the models' errors",
                            runbook: "Data-quality alerts"))
                }
            }
            if now.feature == "recent_mean" {
                let zerosNow = Double(now.zeros) / Double(now.series)
                let zerosBefore = earlier.reduce(0) { $0 + Double($1.zeros) / Double($1.series) } / Double(earlier.count)
                if zerosNow - zerosBefore > config.zeroRateSpike {
                    out.append(
                        AlertCondition(
                            rule: "quality.zero_sales", kind: .quality, tier: .warn, scope: "all",
                            value: zerosNow, threshold: zerosBefore + config.zeroRateSpike,
                            message: "\(pct(zerosNow)) of series sold nothing in the recent window (trailing runs: \(pct(zerosBefore))): a partial sales load?",
                            runbook: "Data-quality alerts"))
                }
            }
        }
        return out
    }

    /// Sustained degradation only: the last 4 weeks of landed targets, with enough forecasts over
    /// enough days; one bad day is not an accuracy alert.
    func accuracy(frequency: Frequency, on connection: Connection) throws -> [AlertCondition] {
        var out: [AlertCondition] = []
        func pct(_ v: Double) -> String { String(format: "%.1f%%", 100 * v) }
        let days =
            try connection.query(
                Query(
                    """
                    SELECT coalesce(max(ds) - min(ds) + 1, 0) AS days FROM forecast.evaluation_rollup_current
                    WHERE frequency = \(frequency) AND role = 'served'
                    """
                ).named("evaluated_days")
            ).first?.decode("days", as: Int.self) ?? 0
        guard days >= config.accuracyMinDays else { return [] }
        for row in try connection.query(
            Query(
                """
                SELECT segment_kind, segment, forecasts::int AS n, served_wape, baseline_wape FROM forecast.forecast_value_added
                WHERE frequency = \(frequency) AND served_wape IS NOT NULL AND baseline_wape IS NOT NULL
                """
            ).named("value_added_segments")
        ).rows {
            let n = try row.decode("n", as: Int.self)
            let served = try row.decode("served_wape", as: Double.self), base = try row.decode("baseline_wape", as: Double.self)
            let limit = base * (1 + config.accuracyWorseThanBaseline)
            guard n >= config.accuracyMinForecasts, served > limit else { continue }
            let kind = try row.decode("segment_kind", as: SegmentKind.self), segment = try row.decode("segment", as: String.self)
            out.append(
                AlertCondition(
                    rule: "accuracy.below_baseline", kind: .accuracy, tier: .warn,
                    scope: kind.scope(segment), value: served, threshold: limit,
                    message:
                        "served forecasts \(kind == .all ? "" : "for \(kind.describing(segment)) ")have WAPE \(pct(served)) over the last 4 weeks, worse than seasonal naive's \(pct(base)) on the same \(n) forecasts",
                    runbook: "Accuracy alerts"))
        }
        // Against the production version's own backtest, at the horizons the window scored (with
        // `evaluated_horizons` set, e.g. 1, 7, 14 and 28, not every step's WAPE: later steps err
        // more, so the comparison would be off by the mix). Versions registered without their
        // per-horizon errors are held against the backtest overall.
        if let row = try connection.query(
            Query(
                """
                SELECT a.wape AS served, (v.metrics -> 'overall' ->> 'wape')::float8 AS overall, v.version, a.forecasts::int AS n,
                       m.wape AS matched, m.horizons, m.matched_steps, jsonb_array_length(CASE jsonb_typeof(v.metrics -> 'horizons') WHEN 'array' THEN v.metrics -> 'horizons' END) AS steps
                FROM forecast.accuracy_4w a
                JOIN forecast.model_stages s ON s.frequency = a.frequency AND s.stage = 'production'
                JOIN forecast.model_versions v ON v.id = s.model_version_id
                CROSS JOIN LATERAL (
                    SELECT sum((x ->> 'abs_error')::float8) / nullif(sum((x ->> 'abs_actual')::float8), 0) AS wape,
                           string_agg(x ->> 'horizon', ',' ORDER BY (x ->> 'horizon')::int) AS horizons, count(*)::int AS matched_steps
                    FROM jsonb_array_elements(CASE jsonb_typeof(v.metrics -> 'horizons') WHEN 'array' THEN v.metrics -> 'horizons' ELSE '[]' END) x
                    WHERE (x ->> 'horizon') IN (
                        SELECT h.segment FROM forecast.accuracy_4w h
                        WHERE h.frequency = a.frequency AND h.role = 'served' AND h.segment_kind = 'horizon' AND h.forecasts > 0)) m
                WHERE a.frequency = \(frequency) AND a.role = 'served' AND a.segment_kind = 'all' AND a.model_versions = v.version
                """
            ).named("served_vs_backtest")
        ).first,
            let served = try row.decodeIfPresent("served", as: Double.self),
            let backtest = try row.decodeIfPresent("matched", as: Double.self) ?? row.decodeIfPresent("overall", as: Double.self),
            try row.decode("n", as: Int.self) >= config.accuracyMinForecasts,
            served > backtest * (1 + config.accuracyWorseThanBacktest)
        {
            let version = try row.decode("version", as: String.self)
            let matched = try row.decodeIfPresent("matched", as: Double.self) != nil
            let some = try matched && row.decode("matched_steps", as: Int.self) < (row.decodeIfPresent("steps", as: Int.self) ?? 0)
            let horizons = try some ? " at the same horizons (" + row.decode("horizons", as: String.self) + ")" : ""
            out.append(
                AlertCondition(
                    rule: "accuracy.below_backtest", kind: .accuracy, tier: .warn, scope: version, value: served,
                    threshold: backtest * (1 + config.accuracyWorseThanBacktest),
                    message:
                        "model version \(version) has WAPE \(pct(served)) over the last 4 weeks, more than \(pct(config.accuracyWorseThanBacktest)) worse than its backtest's \(pct(backtest))\(horizons): retrain",
                    runbook: "Accuracy alerts"))
        }
        return out
    }
}
