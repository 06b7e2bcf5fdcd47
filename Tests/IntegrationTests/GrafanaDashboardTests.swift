import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 31, item 6: the Grafana dashboards ask for what exists. The operations dashboard's
/// PromQL names only metrics a scrape has; every SQL panel of the accuracy dashboard (Grafana's
/// PostgreSQL data source) runs, as the reader role, against a database with evaluated runs,
/// several interval levels and a job, with Grafana's macros expanded.
extension Integration {
    @Suite struct GrafanaDashboardTests {
        static func dashboard(_ name: String) throws -> [String: Any] {
            let url = TestDatabase.sql.url.deletingLastPathComponent().appendingPathComponent("ops/monitoring/\(name)")
            return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }

        static func targets(_ dashboard: [String: Any]) -> [(panel: String, target: [String: Any])] {
            (dashboard["panels"] as? [[String: Any]] ?? []).flatMap { panel in
                (panel["targets"] as? [[String: Any]] ?? []).map { (panel["title"] as? String ?? "?", $0) }
            }
        }

        @Test func theDashboardsAskForWhatExists() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2, days: 200)
            var backtest = try Backtests.options(folds: 2, horizon: 7, models: [.naive])
            backtest.extraLevels = [0.5, 0.95]
            _ = try Backtests.runner(db).run(backtest)
            var options = Fixtures.options(horizon: 7)
            options.config.model = ModelSpec(kind: .naive, seasonLength: 7, window: 28)
            options.config.quantileLevels = [0.5, 0.95]
            for day in ["2026-11-06", "2026-11-13"] {
                options.cutoff = PostgresDate(iso: day)!
                #expect(try Fixtures.coordinator(db).run(options).outcome == .published)
            }
            _ = try Evaluator.evaluate(inputSchema: "demand", on: try db.connect())
            try db.execute("SELECT forecast.enqueue_job('evaluate')")

            // Operations (Prometheus): every metric an expression names is in a scrape.
            let c = try db.connect()
            defer { c.close() }
            _ = (OpsMetrics.Daemon.requestsTaken, OpsMetrics.Daemon.runsJoined)  // registered as a daemon registers them
            let scraped = Set(
                try OpsMetrics.scrape(on: c).split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
            let operations = try Self.dashboard("grafana-dashboard.json")
            let expressions = Self.targets(operations)
            #expect(expressions.count >= 15)
            for (panel, target) in expressions {
                let expr = try #require(target["expr"] as? String, "\(panel)")
                let names = expr.matches(of: /\b(forecast|process)_[a-z0-9_]+/).map { String($0.output.0) }
                #expect(!names.isEmpty && names.allSatisfy(scraped.contains), "\(panel): \(names) not all in \(scraped.sorted())")
            }

            // Accuracy (PostgreSQL): every query runs as the reader role and the main ones return rows.
            let accuracy = try Self.dashboard("grafana-accuracy-postgres.json")
            let reader = try Connection.connect(try db.readerURL())
            defer { reader.close() }
            let queries = Self.targets(accuracy)
            #expect(queries.count == 8)
            var rows: [String: Int] = [:]
            for (panel, target) in queries {
                let sql = try #require(target["rawSql"] as? String, "\(panel)")
                    .replacingOccurrences(of: "$__timeFilter(ds)", with: "ds BETWEEN '2026-01-01' AND '2027-12-31'")
                    .replacingOccurrences(of: "'$frequency'", with: "'day'")
                #expect(!sql.contains("$"), "\(panel): a macro left in \(sql)")
                rows[panel] = try reader.query(Query(unsafeSQL: sql)).rows.count
            }
            // Empty by nature here: exceptions may be none, and ad hoc runs keep no seasonal-naive baseline to add value against.
            let mayBeEmpty = ["Largest served exceptions (last 4 weeks)", "Forecast value added against seasonal naive by segment"]
            #expect(rows.filter { !mayBeEmpty.contains($0.key) }.allSatisfy { $0.value > 0 }, "\(rows)")
            #expect(rows["Coverage of every published interval level (last 4 weeks)"] == 3, "\(rows)")
            for dashboard in [operations, accuracy] {
                let ids = (dashboard["panels"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                #expect(Set(ids).count == ids.count && !ids.isEmpty)
            }
        }
    }
}
