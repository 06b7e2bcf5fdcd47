import Forecasting
import Foundation
import Postgres

/// `forecastctl monitor`: for a published run, writes its feature profiles, computes drift (PSI per
/// feature and segment against the trailing runs and against the production version's training
/// window), checks data quality (series count, missing and zero rates, fallbacks against the
/// trailing runs) and sustained accuracy (last 4 weeks of evaluations against the baseline and the
/// version's backtest), and reconciles `forecast.alerts`. Quality failures (broken inputs) and
/// drift (a changed world) are separate rules.
public struct Monitor: Sendable {
    public let config: MonitorConfig

    public init(config: MonitorConfig = MonitorConfig()) { self.config = config }

    /// The published runs of `frequency` a queued monitor job owes a pass: those newer than the
    /// newest run with feature profiles that have none (runs by logins outside forecast_monitor
    /// queue their pass; two can publish before the monitor daemon takes the job), oldest first,
    /// at most `limit`. Empty: every run is profiled (the schedule's job then watches the newest).
    public static func unprofiledRuns(frequency: Frequency, limit: Int = 14, on connection: Connection) throws -> [Int64] {
        try connection.query(
            Query(
                """
                SELECT r.id FROM forecast.runs r
                WHERE r.status = 'published' AND r.frequency = \(frequency)
                  AND NOT EXISTS (SELECT 1 FROM forecast.feature_profiles p WHERE p.run_id = r.id)
                  AND r.cutoff >= coalesce((SELECT max(x.cutoff) FROM forecast.runs x
                                            WHERE x.frequency = \(frequency)
                                              AND EXISTS (SELECT 1 FROM forecast.feature_profiles p WHERE p.run_id = x.id)), '-infinity')
                ORDER BY r.cutoff DESC, r.id DESC LIMIT \(limit)
                """
            ).named("unprofiled_runs")
        ).rows.map { try $0.decode("id", as: Int64.self) }.reversed()
    }

    /// Whether this session may record a pass: write feature profiles, drift results and alerts
    /// (the owner, or a login in forecast_monitor; the worker role only reads them).
    public static func mayRecord(on connection: Connection) throws -> Bool {
        try connection.query(
            Query(
                """
                SELECT has_table_privilege('forecast.alerts', 'INSERT, UPDATE') AND has_table_privilege('forecast.drift_results', 'INSERT')
                       AND has_table_privilege('forecast.feature_profiles', 'INSERT') AS ok
                """
            ).named("may_record_monitor")
        ).first?.decode("ok", as: Bool.self) ?? false
    }

    public struct Report: Sendable {
        public let runID: Int64
        public let frequency: Frequency
        public var drift: [DriftResult] = []
        public var conditions: [AlertCondition] = []
        public var alerts = Alerts.Outcome()
        /// Retrain requests this pass opened (an open one for the same trigger is updated instead).
        public var retrainRequests: [RetrainRequests.Trigger] = []
    }

    public struct DriftResult: Sendable {
        public let reference: String, segmentKind: SegmentKind, segment: String, feature: String
        public let psi: Double, warnAt: Double, criticalAt: Double, referenceRuns: Int
    }

    struct Profile {
        let run: Int64, kind: SegmentKind, segment: String, feature: String
        let series: Int, missing: Int, zeros: Int, quantiles: QuantileProfile
    }

    /// The newest published run of `frequency` when `runID` is nil.
    public func run(runID: Int64?, frequency: Frequency = .day, on connection: Connection) throws -> Report {
        guard
            let run = try connection.query(
                Query(
                    """
                    SELECT id, frequency, cutoff, config ->> 'inputSchema' AS schema, model_version_id FROM forecast.runs
                    WHERE status = 'published' AND (id = \(runID)::bigint OR (\(runID)::bigint IS NULL AND frequency = \(frequency)))
                    ORDER BY cutoff DESC, id DESC LIMIT 1
                    """
                ).named("monitor_run")
            ).first
        else {
            throw PipelineError.invalidArgument(runID.map { "run \($0) is not a published run" } ?? "no published \(frequency) run to monitor")
        }
        let id = try run.decode("id", as: Int64.self)
        let freq = try run.decode("frequency", as: Frequency.self)
        let cutoff = try run.decode("cutoff", as: PostgresDate.self)
        let schema = try run.decodeIfPresent("schema", as: String.self) ?? "demand"
        try FeatureProfiles.write(runID: id, on: connection)
        var report = Report(runID: id, frequency: freq)
        let trailing = try connection.query(
            Query(
                """
                SELECT id FROM forecast.runs r
                WHERE r.status IN ('published', 'superseded') AND r.frequency = \(freq) AND r.cutoff < \(cutoff)
                  AND r.config ->> 'inputSchema' = \(schema)
                  AND EXISTS (SELECT 1 FROM forecast.feature_profiles p WHERE p.run_id = r.id)
                ORDER BY r.cutoff DESC, r.id DESC LIMIT \(config.trailingRuns)
                """
            ).named("trailing_runs")
        ).rows.map { try $0.decode("id", as: Int64.self) }
        // The production version's training window: the runs up to its training cutoff.
        let training = try connection.query(
            Query(
                """
                SELECT r.id FROM forecast.runs r
                JOIN forecast.model_stages s ON s.frequency = r.frequency AND s.stage = 'production'
                JOIN forecast.model_versions v ON v.id = s.model_version_id
                WHERE r.status IN ('published', 'superseded') AND r.frequency = \(freq) AND r.cutoff <= v.training_cutoff
                  AND r.id <> \(id) AND r.config ->> 'inputSchema' = \(schema)
                  AND EXISTS (SELECT 1 FROM forecast.feature_profiles p WHERE p.run_id = r.id)
                ORDER BY r.cutoff DESC, r.id DESC LIMIT \(config.trailingRuns)
                """
            ).named("training_window_runs")
        ).rows.map { try $0.decode("id", as: Int64.self) }
        let profiles = try load([id] + trailing + training, on: connection)
        let current = profiles.filter { $0.run == id }
        report.drift = try drift(current, trailing: trailing, training: training, profiles: profiles, runID: id, on: connection)
        report.conditions =
            driftConditions(report.drift)
            + quality(current, trailing: trailing, profiles: profiles)
            + (try accuracy(frequency: freq, on: connection))
        report.alerts = try Alerts.reconcile(
            report.conditions, frequency: freq, runID: id,
            judged: ["quality.", "drift.", "accuracy."], on: connection)
        let triggers = try RetrainRequests.triggers(
            runID: id, frequency: freq, cutoff: cutoff, conditions: report.conditions,
            config: config, on: connection)
        report.retrainRequests = try RetrainRequests.raise(triggers, frequency: freq, runID: id, on: connection)
        return report
    }

    func load(_ runs: [Int64], on connection: Connection) throws -> [Profile] {
        try connection.query(
            Query(
                """
                SELECT run_id, segment_kind, segment, feature, series, missing, zeros,
                       coalesce(array_to_string(quantiles, ','), '') AS q
                FROM forecast.feature_profiles WHERE run_id = ANY(\(runs.map(String.init))::bigint[])
                """
            ).named("load_profiles")
        ).rows.map {
            let q = try $0.decode("q", as: String.self).split(separator: ",").compactMap { Double(String($0)) }
            let series = try $0.decode("series", as: Int.self), missing = try $0.decode("missing", as: Int.self)
            return Profile(
                run: try $0.decode("run_id"), kind: try $0.decode("segment_kind", as: SegmentKind.self), segment: try $0.decode("segment"),
                feature: try $0.decode("feature"), series: series, missing: missing, zeros: try $0.decode("zeros"),
                quantiles: QuantileProfile(count: q.isEmpty ? 0 : series - missing, quantiles: q))
        }
    }

    func drift(
        _ current: [Profile], trailing: [Int64], training: [Int64], profiles: [Profile], runID: Int64,
        on connection: Connection
    ) throws -> [DriftResult] {
        var out: [DriftResult] = []
        let byKey = Dictionary(grouping: profiles) { "\($0.kind)|\($0.segment)|\($0.feature)" }
        // Trailing runs that had drifted themselves (PSI at or above critical) are not "normal":
        // they leave the reference of that feature and segment, so that recovery reads as recovery,
        // until they are most of the window (then the changed world is the new normal).
        let anomalous = Set(
            try connection.query(
                Query(
                    """
                    SELECT run_id || '|' || segment_kind || '|' || segment || '|' || feature AS k FROM forecast.drift_results
                    WHERE run_id = ANY(\(trailing.map(String.init))::bigint[]) AND reference = 'trailing' AND psi >= critical_at
                    """
                ).named("anomalous_runs")
            ).rows.map { try $0.decode("k", as: String.self) })
        // Earlier PSI values below their critical level, per reference, segment and feature (one query).
        var normal: [String: [Double]] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT reference || '|' || segment_kind || '|' || segment || '|' || feature AS k, psi FROM forecast.drift_results
                WHERE run_id = ANY(\(trailing.map(String.init))::bigint[]) AND psi < critical_at
                """
            ).named("psi_history")
        ).rows {
            normal[try row.decode("k", as: String.self), default: []].append(try row.decode("psi", as: Double.self))
        }
        for (reference, runs) in [("trailing", Set(trailing)), ("training", Set(training))] where !runs.isEmpty {
            for p in current where (p.quantiles.count >= config.minSegmentSeries || p.kind == .all) && p.feature != "fallback" {
                let window = (byKey["\(p.kind)|\(p.segment)|\(p.feature)"] ?? []).filter { runs.contains($0.run) }
                let normalRuns = window.filter { !anomalous.contains("\($0.run)|\(p.kind)|\(p.segment)|\(p.feature)") }
                // Once drifted runs are most of the window, the new level is the new normal.
                let refs = (normalRuns.count * 2 >= window.count ? normalRuns : window).map(\.quantiles)
                guard refs.contains(where: { $0.count > 0 }), p.quantiles.count > 0 else { continue }
                let psi = PopulationStability.psi(reference: refs, current: p.quantiles)
                guard psi.isFinite else { continue }
                // What is normal for this feature and segment: the earlier runs' PSI.
                let history = (normal["\(reference)|\(p.kind)|\(p.segment)|\(p.feature)"] ?? []).sorted()
                // Sampling noise: with n series on each side and 10 bins, PSI of two samples of one
                // distribution is about chi-square(9) x (1/n + 1/n); its 95th / 99th percentiles
                // (16.92, 21.67) are the floor of the warn / critical levels, so a segment of 30
                // series needs a PSI above 1.4 to page while 10,000 series keep 0.1 / 0.25.
                let n = Double(p.quantiles.count)
                var warn = max(config.psiWarn, 16.92 * 2 / n), critical = max(config.psiCritical, 21.67 * 2 / n)
                if history.count >= 10 {
                    let p95 = history[min(history.count - 1, Int((Double(history.count) * 0.95).rounded(.down)))]
                    warn = max(warn, config.adaptiveFactor * p95)
                    critical = max(critical, 2.5 * warn)
                }
                out.append(
                    DriftResult(
                        reference: reference, segmentKind: p.kind, segment: p.segment, feature: p.feature, psi: psi,
                        warnAt: warn, criticalAt: critical, referenceRuns: refs.count))
            }
        }
        guard !out.isEmpty else { return out }
        try connection.execute(
            Query(
                """
                INSERT INTO forecast.drift_results (run_id, reference, segment_kind, segment, feature, psi, warn_at, critical_at, reference_runs)
                SELECT \(runID), * FROM unnest(\(out.map(\.reference))::text[], \(out.map(\.segmentKind.rawValue))::text[], \(out.map(\.segment))::text[],
                                            \(out.map(\.feature))::text[], \(out.map { $0.psi.postgresText })::float8[],
                                            \(out.map { $0.warnAt.postgresText })::float8[], \(out.map { $0.criticalAt.postgresText })::float8[],
                                            \(out.map { String($0.referenceRuns) })::int[])
                ON CONFLICT ON CONSTRAINT drift_results_pkey DO UPDATE SET psi = excluded.psi, warn_at = excluded.warn_at,
                    critical_at = excluded.critical_at, reference_runs = excluded.reference_runs
                """
            ).named("store_drift"))
        return out
    }

    /// One alert per drifted feature (the worst segment and reference decide its tier; the message
    /// lists every segment that moved, worst first): a price shift in one category is one alert.
    func driftConditions(_ drift: [DriftResult]) -> [AlertCondition] {
        var out: [AlertCondition] = []
        for (feature, results) in Dictionary(grouping: drift.filter { $0.psi >= $0.warnAt }, by: \.feature).sorted(by: { $0.key < $1.key }) {
            let worst = results.max { ($0.psi / $0.criticalAt) < ($1.psi / $1.criticalAt) }!
            let crossed = worst.psi >= worst.criticalAt
            let tier: AlertCondition.Tier = crossed ? (config.criticalFeatures.contains(feature) ? .critical : .warn) : .info
            let segments = results.sorted { $0.psi > $1.psi }.prefix(5)
                .map { "\($0.segmentKind.describing($0.segment)) \(String(format: "%.2f", $0.psi)) vs \($0.reference)" }
            out.append(
                AlertCondition(
                    rule: "drift.\(feature)", kind: .drift, tier: tier, scope: feature, value: worst.psi,
                    threshold: crossed ? worst.criticalAt : worst.warnAt,
                    message: "\(feature) drifted (PSI): " + segments.joined(separator: "; "),
                    runbook: "Drift alerts"))
        }
        return out
    }
}
