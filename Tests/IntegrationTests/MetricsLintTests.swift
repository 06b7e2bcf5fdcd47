import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 31, item 6: Prometheus' own linter passes on the alert rules and on a real scrape of a
/// database with runs, evaluations, alerts and jobs in it (promtool, from Debian's prometheus).
extension Integration {
    @Suite struct MetricsLintTests {
        @Test func promtoolAcceptsTheRulesAndAScrape() throws {
            let rules = try Shell.run(["-c", "promtool check rules ops/monitoring/prometheus-rules.yml"])
            #expect(rules.status == 0 && (rules.stdout + rules.stderr).contains("SUCCESS: 11 rules found"), "\(rules.stdout)\(rules.stderr)")

            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 2)
            let version = try Registry.train(db, "naive", label: "lint")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: try db.connect())
            for day in ["2026-11-13", "2026-11-20"] { _ = try Registry.serve(db, cutoff: PostgresDate(iso: day)!) }
            _ = try Evaluator.evaluate(inputSchema: "demand", on: try db.connect())
            try db.execute("SELECT forecast.enqueue_job('monitor')")
            let c = try db.connect()
            defer { c.close() }
            let scrape = try OpsMetrics.scrape(on: c)
            #expect(scrape.contains("forecast_jobs{kind=\"monitor\",state=\"available\"} 1"), "\(scrape)")
            #expect(scrape.contains("forecast_job_wait_seconds{kind=\"retrain\"} 0.0\n"), "\(scrape)")
            // A monitor job due an hour ago: no daemon in forecast_monitor is taking it (ForecastMonitorNotRunning).
            try db.execute("UPDATE forecast.job_requests SET scheduled_at = clock_timestamp() - interval '1 hour' WHERE kind = 'monitor'")
            let waited = try OpsMetrics.scrape(on: c).split(separator: "\n").first { $0.hasPrefix("forecast_job_wait_seconds{kind=\"monitor\"} ") }
            #expect(waited.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 3600 && $0 < 3700 } == true, "\(String(describing: waited))")
            let rows = try db.scalar("SELECT row_count::text FROM forecast.runs WHERE status = 'published' ORDER BY published_at DESC LIMIT 1", as: String.self)
            #expect(
                scrape.contains("forecast_last_run_rows{frequency=\"day\"} \(rows)")
                    && scrape.contains("forecast_last_run_fallback_series{frequency=\"day\"} 0"), "\(scrape)")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("scrape-\(UUID().uuidString).txt")
            defer { try? FileManager.default.removeItem(at: file) }
            try scrape.write(to: file, atomically: true, encoding: .utf8)
            let lint = try Shell.run(["-c", "promtool check metrics < \"$SCRAPE\""], env: ["SCRAPE": file.path])
            #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "\(lint.stdout)\(lint.stderr)")
        }
    }
}
