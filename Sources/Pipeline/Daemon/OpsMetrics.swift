import Forecasting
import Foundation
import Metrics
import Postgres
import Prometheus

/// What a worker daemon serves on `/metrics` (Prometheus text format): its own counters (through
/// swift-metrics, bootstrapped with `OpsMetrics.bootstrap()`) and, read from the database at
/// each scrape so that they always match it, the state of the runs, items, rows, contracts and
/// alerts every daemon shares.
public enum OpsMetrics {
    /// The process's registry (swift-metrics counters land here).
    public static let registry = PrometheusCollectorRegistry()

    /// Once per process, before any counter is made.
    public static func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The daemon's own counters, each with its HELP line (a swift-metrics `Counter(label:)` has
    /// none, which promtool's linter flags).
    public enum Daemon {
        static func counter(_ name: String, _ help: String) -> Prometheus.Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
        }
        public static let requestsTaken = counter(
            "forecast_daemon_requests_taken_total", "Run requests this daemon took from the queue and started.")
        public static let runsJoined = counter("forecast_daemon_runs_joined_total", "Runs in flight this daemon joined as extra workers.")
    }

    struct Accuracy: Sendable {
        let frequency: String, role: String, wape: Double?, bias: Double?, coverage: Double?, n: Double
    }

    /// Accuracy is read from the evaluations at most every `seconds` (a scrape every 15 s must not
    /// scan weeks of evaluated rows each time): one cache per daemon's HTTP server.
    public final class AccuracyCache: Sendable {
        let seconds: TimeInterval
        let state = Mutex<(at: Date, rows: [Accuracy])?>(nil)
        public init(seconds: TimeInterval = 300) { self.seconds = seconds }
    }

    static func gauge(
        _ r: PrometheusCollectorRegistry, _ name: String, _ help: String, _ labels: [(String, String)] = [],
        _ value: Double
    ) {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        (labels.isEmpty ? r.makeGauge(descriptor: descriptor) : r.makeGauge(descriptor: descriptor, labels: labels)).set(value)
    }

    /// The database's view, as gauges.
    public static func scrape(on connection: Connection, accuracy cache: AccuracyCache = AccuracyCache()) throws -> String {
        let r = PrometheusCollectorRegistry()
        gauge(r, "forecast_build_info", "The running forecastctl's version (value 1).", [("version", CodeVersion.current)], 1)
        ProcessMetrics.emit(into: r)
        for row in try connection.query(
            Query(
                """
                SELECT frequency, extract(epoch FROM age)::float8 AS age, extract(epoch FROM max_age)::float8 AS sla, is_stale
                FROM forecast.freshness
                """
            ).named("metrics_freshness")
        ).rows {
            let labels = [("frequency", try row.decode("frequency", as: String.self))]
            if let age = try row.decodeIfPresent("age", as: Double.self) {
                gauge(r, "forecast_freshness_age_seconds", "Age of the forecast forecast.latest serves, by frequency.", labels, age)
            }
            gauge(r, "forecast_freshness_sla_seconds", "The freshness SLA by frequency.", labels, try row.decodeIfPresent("sla", as: Double.self) ?? 0)
            gauge(
                r, "forecast_freshness_stale", "1 when no run was published within the SLA (forecast.freshness.is_stale).", labels,
                try row.decodeIfPresent("is_stale", as: Bool.self) == true ? 1 : 0)
        }
        for a in try accuracy(on: connection, cache: cache) {
            let labels = [("frequency", a.frequency), ("role", a.role)]
            if let wape = a.wape { gauge(r, "forecast_accuracy_wape_4w", "WAPE over the last 4 weeks of landed actuals (forecast.accuracy_4w).", labels, wape) }
            if let bias = a.bias { gauge(r, "forecast_accuracy_bias_4w", "Bias over the last 4 weeks of landed actuals.", labels, bias) }
            if let coverage = a.coverage {
                gauge(r, "forecast_accuracy_coverage_4w", "Interval coverage over the last 4 weeks of landed actuals.", labels, coverage)
            }
            gauge(r, "forecast_accuracy_forecasts_4w", "Forecasts scored over the last 4 weeks.", labels, a.n)
        }
        for row in try connection.query(
            Query(
                """
                SELECT frequency, status, count(*)::float8 AS n, coalesce(sum(row_count), 0)::float8 AS rows FROM forecast.runs GROUP BY 1, 2
                """
            ).named("metrics_runs")
        ).rows {
            let labels = [("frequency", try row.decode("frequency", as: String.self)), ("status", try row.decode("status", as: String.self))]
            gauge(r, "forecast_runs", "Runs by frequency and status.", labels, try row.decode("n"))
            gauge(r, "forecast_rows_written", "Forecast rows of the runs by frequency and status.", labels, try row.decode("rows"))
        }
        for row in try connection.query(
            Query(
                """
                SELECT state, count(*)::float8 AS n, coalesce(sum(greatest(attempt - 1, 0)), 0)::float8 AS retries
                FROM forecast.work_items GROUP BY state
                """
            ).named("metrics_items")
        ).rows {
            let state = try row.decode("state", as: String.self)
            gauge(r, "forecast_work_items", "Work items by state.", [("state", state)], try row.decode("n"))
            gauge(r, "forecast_work_item_retries", "Attempts beyond the first, by the items' state.", [("state", state)], try row.decode("retries"))
        }
        for row in try connection.query(
            Query(
                """
                SELECT DISTINCT ON (frequency) frequency, extract(epoch FROM published_at)::float8 AS last_publish,
                       extract(epoch FROM published_at - created_at)::float8 AS duration,
                       (coalesce(row_count, 0) / nullif(extract(epoch FROM published_at - started_at), 0))::float8 AS rows_per_second,
                       coalesce(row_count, 0)::float8 AS rows, coalesce(fallback_series, 0)::float8 AS fallbacks
                FROM forecast.runs WHERE status IN ('published', 'superseded')
                ORDER BY frequency, published_at DESC NULLS LAST, id DESC
                """
            ).named("metrics_publish")
        ).rows {
            let labels = [("frequency", try row.decode("frequency", as: String.self))]
            gauge(
                r, "forecast_last_publish_timestamp_seconds", "When the newest run of the frequency was published (Unix time).", labels,
                try row.decodeIfPresent("last_publish", as: Double.self) ?? 0)
            gauge(
                r, "forecast_last_run_duration_seconds", "Created to published, newest run.", labels,
                try row.decodeIfPresent("duration", as: Double.self) ?? 0)
            gauge(
                r, "forecast_last_run_rows_per_second", "Rows per second of the newest run's work.", labels,
                try row.decodeIfPresent("rows_per_second", as: Double.self) ?? 0)
            gauge(r, "forecast_last_run_rows", "Forecast rows the newest published run wrote.", labels, try row.decodeIfPresent("rows", as: Double.self) ?? 0)
            gauge(
                r, "forecast_last_run_fallback_series", "Series of the newest published run served by the naive fallback because their model failed.",
                labels, try row.decodeIfPresent("fallbacks", as: Double.self) ?? 0)
        }
        for row in try connection.query(
            Query(
                """
                SELECT contract, count(*)::float8 AS n FROM forecast.contract_results WHERE violations > 0 GROUP BY contract
                """
            ).named("metrics_contracts")
        ).rows {
            gauge(
                r, "forecast_contract_violations", "Runs and backtests on which the contract failed, by rule.",
                [("rule", try row.decode("contract", as: String.self))], try row.decode("n"))
        }
        for tier in ["info", "warn", "critical"] {
            let n = try connection.query(
                Query("SELECT count(*)::float8 AS n FROM forecast.alerts WHERE status = 'open' AND tier = \(tier)")
                    .named("metrics_alerts")
            ).first!.decode("n", as: Double.self)
            gauge(r, "forecast_open_alerts", "Open alerts by tier.", [("tier", tier)], n)
        }
        let lease = try connection.query(
            Query(
                """
                SELECT coalesce(extract(epoch FROM max(clock_timestamp() - heartbeat_at)), 0)::float8 AS age
                FROM forecast.work_items WHERE state = 'running'
                """
            ).named("metrics_lease_age")
        ).first!.decode("age", as: Double.self)
        gauge(r, "forecast_oldest_heartbeat_age_seconds", "Age of the oldest heartbeat among items being worked on.", [], lease)
        let pending = try connection.query(
            Query("SELECT count(*)::float8 AS n FROM forecast.run_requests WHERE state = \(QueueState.available)")
                .named("metrics_requests")
        ).first!.decode("n", as: Double.self)
        gauge(r, "forecast_pending_run_requests", "Run requests no daemon has taken yet.", [], pending)
        // The schedule's jobs (migration 038), every kind and state reported, zero included, so that an alert can see a failure appear.
        var jobs: [String: Double] = [:]
        for row in try connection.query(
            Query("SELECT kind, state, count(*)::float8 AS n FROM forecast.job_requests GROUP BY kind, state").named("metrics_jobs")
        ).rows {
            jobs["\(try row.decode("kind", as: String.self))|\(try row.decode("state", as: String.self))"] = try row.decode("n", as: Double.self)
        }
        for kind in JobRequests.Kind.allCases {
            for state in QueueState.allCases {
                gauge(
                    r, "forecast_jobs", "Jobs of the schedule (evaluate, monitor, retrain) by kind and state.",
                    [("kind", kind.rawValue), ("state", state.rawValue)], jobs["\(kind.rawValue)|\(state.rawValue)"] ?? 0)
            }
        }
        // How long the oldest due job of each kind has waited for a daemon (0: none): a monitor job
        // that waits means no daemon in forecast_monitor runs, and no alert is being recorded.
        var waits: [String: Double] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT kind, extract(epoch FROM max(clock_timestamp() - scheduled_at))::float8 AS s FROM forecast.job_requests
                WHERE state = \(QueueState.available) AND scheduled_at <= clock_timestamp() GROUP BY kind
                """
            ).named("metrics_job_waits")
        ).rows {
            waits[try row.decode("kind", as: String.self)] = try row.decode("s", as: Double.self)
        }
        for kind in JobRequests.Kind.allCases {
            gauge(
                r, "forecast_job_wait_seconds", "How long the oldest due job of a kind has waited for a daemon to take it (0: none waits).",
                [("kind", kind.rawValue)], waits[kind.rawValue] ?? 0)
        }
        return registry.emitToString() + r.emitToString()
    }

    /// Overall 4-week accuracy per frequency and role, from the cache when it is recent.
    static func accuracy(on connection: Connection, cache: AccuracyCache) throws -> [Accuracy] {
        if let cached = cache.state.withLock({ $0 }), Date().timeIntervalSince(cached.at) < cache.seconds { return cached.rows }
        let rows = try connection.query(
            Query(
                """
                SELECT frequency, role, wape, bias, coverage::float8 AS coverage, forecasts::float8 AS n
                FROM forecast.accuracy_4w WHERE segment_kind = 'all'
                """
            ).named("metrics_accuracy")
        ).rows.map {
            Accuracy(
                frequency: try $0.decode("frequency", as: String.self), role: try $0.decode("role", as: String.self),
                wape: try $0.decodeIfPresent("wape", as: Double.self), bias: try $0.decodeIfPresent("bias", as: Double.self),
                coverage: try $0.decodeIfPresent("coverage", as: Double.self), n: try $0.decode("n", as: Double.self))
        }
        cache.state.withLock { $0 = (Date(), rows) }
        return rows
    }
}
