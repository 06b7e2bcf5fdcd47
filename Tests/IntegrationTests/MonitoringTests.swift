import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 10, drift and data quality: profiles written by every nightly run, PSI per feature and
/// segment, alerts that are opened once, updated while the condition lasts and resolved after it.
extension Integration {
    @Suite struct MonitoringTests {
        /// Small demo segments: judge segments from 5 series.
        static var config: MonitorConfig {
            var c = MonitorConfig()
            c.minSegmentSeries = 5
            return c
        }

        static func nightly(_ db: TestDatabase, _ day: String, asOf: PostgresTimestamp = Fixtures.asOf) throws -> RunCoordinator.Summary {
            var options = Fixtures.options(horizon: 7, force: true, cutoff: PostgresDate(iso: day)!, asOf: asOf)
            options.serveRegistry = true
            options.explicitHorizon = 7
            options.monitor = config
            return try Fixtures.coordinator(db).run(options)
        }

        /// A bad (or real) price change: one category's prices tripled from 2026-11-19 on, planned
        /// (known since 2026-11-01).
        static func triplePrices(_ db: TestDatabase, category: String) throws {
            try db.execute(
                Query(
                    """
                    INSERT INTO demand.prices (item_id, location_id, ds, price, known_at)
                    SELECT DISTINCT ON (p.item_id, p.location_id) p.item_id, p.location_id, '2026-11-19', p.price * 3, '2026-11-01'
                    FROM demand.prices p
                    WHERE p.ds <= '2026-11-19' AND p.item_id IN (SELECT item_id FROM demand.items WHERE category = \(category))
                    ORDER BY p.item_id, p.location_id, p.ds DESC
                    """))
        }

        static func alerts(_ db: TestDatabase, _ rule: String) throws -> [String] {
            try db.connect().query(
                Query(
                    """
                    SELECT tier || ' ' || status || ' x' || occurrences AS a FROM forecast.alerts WHERE rule = \(rule) ORDER BY id
                    """)
            ).rows.map { try $0.decode("a", as: String.self) }
        }

        /// The production version is held against its backtest at the horizons the window scored:
        /// a version stores its errors per horizon step (summing to the backtest overall), and with
        /// `evaluated_horizons` {1, 7} the reference is the backtest's WAPE at steps 1 and 7 only.
        @Test func accuracyIsHeldAgainstTheBacktestAtTheHorizonsEvaluated() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let version = try Registry.train(db, "moving_average", label: "ma")
            let metrics = try version.metrics
            let steps = try #require(metrics.horizons)
            #expect(steps.map(\.horizon) == Array(1...7))
            #expect(steps.reduce(0) { $0 + $1.n } == metrics.overall.n)
            func pooled(_ s: [VersionMetrics.HorizonErrors]) -> Double {
                s.reduce(0) { $0 + $1.absError } / s.reduce(0) { $0 + $1.absActual }
            }
            let overall = try #require(metrics.overall.wape)
            #expect(abs(pooled(steps) - overall) < 1e-9 * overall)
            let atOneAndSeven = pooled(steps.filter { [1, 7].contains($0.horizon) })
            #expect(abs(atOneAndSeven - overall) > 1e-6, "the mix of horizons must matter for this test")

            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: try db.connect())
            for day in ["2026-11-13", "2026-11-16", "2026-11-20"] { _ = try Registry.serve(db, horizon: 7, cutoff: PostgresDate(iso: day)!) }
            try db.execute("UPDATE forecast.service_objectives SET evaluated_horizons = '{1,7}' WHERE frequency = 'day'")
            _ = try Evaluator.evaluate(inputSchema: "demand", on: try db.connect())
            var config = MonitorConfig()
            (config.accuracyMinDays, config.accuracyMinForecasts, config.accuracyWorseThanBacktest) = (1, 1, -0.999)
            func condition() throws -> AlertCondition {
                try #require(try Monitor(config: config).accuracy(frequency: .day, on: try db.connect()).first { $0.rule == "accuracy.below_backtest" })
            }
            let some = try condition()
            #expect(abs(some.threshold - atOneAndSeven * 0.001) < 1e-12, "\(some)")
            #expect(
                some.message.hasSuffix("worse than its backtest's \(String(format: "%.1f%%", 100 * atOneAndSeven)) at the same horizons (1,7): retrain"),
                "\(some.message)")
            #expect(some.value == (try db.scalar("SELECT wape FROM forecast.accuracy_4w WHERE role = 'served' AND segment_kind = 'all'", as: Double.self)))

            // Every horizon again: a rerun of the newest cutoff is scored at all seven, and the
            // reference is the backtest overall.
            try db.execute("UPDATE forecast.service_objectives SET evaluated_horizons = NULL WHERE frequency = 'day'")
            _ = try Registry.serve(db, horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!)
            _ = try Evaluator.evaluate(inputSchema: "demand", on: try db.connect())
            let all = try condition()
            #expect(abs(all.threshold - overall * 0.001) < 1e-12, "\(all)")
            #expect(all.message.hasSuffix("worse than its backtest's \(String(format: "%.1f%%", 100 * overall)): retrain"), "\(all.message)")
        }

        @Test func aDriftedPriceRaisesOneCriticalAlertThatLastsAndResolves() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 24, locations: 3)
            let c = try db.connect()
            defer { c.close() }
            var listener = try db.connect()
            defer { listener.close() }
            try listener.listen("forecast_alerts")
            for day in ["2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18"] {
                let run = try Self.nightly(db, day)
                #expect(run.monitor?.alerts.opened.filter { $0.kind == .drift && $0.tier == .critical } == [], "\(day): \(run.monitor?.conditions ?? [])")
            }
            #expect(try db.scalar("SELECT count(DISTINCT run_id) FROM forecast.feature_profiles", as: Int.self) == 5)
            // Inputs and predictions (level, spread, fallback share) per segment; no series fell back here.
            #expect(
                try db.scalar(
                    """
                    SELECT string_agg(feature, ',' ORDER BY feature) FROM forecast.feature_profiles
                    WHERE segment_kind = 'all' AND run_id = (SELECT min(run_id) FROM forecast.feature_profiles)
                    """, as: String.self) == "fallback,forecast_mean,forecast_spread,price,promo_share,recent_cv,recent_mean,stockout_share,zero_share")
            #expect(try db.scalar("SELECT max(series - zeros) FROM forecast.feature_profiles WHERE feature = 'fallback'", as: Int.self) == 0)
            // Prices of one category tripled from 2026-11-19 on (planned, known since 2026-11-01).
            let category = try db.scalar(
                """
                SELECT category FROM forecast.run_series WHERE run_id = (SELECT max(run_id) FROM forecast.run_series)
                GROUP BY category ORDER BY count(*) DESC, category LIMIT 1
                """, as: String.self)
            try Self.triplePrices(db, category: category)
            let drifted = try Self.nightly(db, "2026-11-19")
            let opened = drifted.monitor?.alerts.opened ?? []
            #expect(opened.map(\.rule) == ["drift.price"], "\(opened)")
            #expect(opened.first?.tier == .critical && opened.first?.message.contains("category \(category)") == true, "\(opened)")
            // Quality rules do not fire for a changed world.
            #expect(drifted.monitor?.conditions.contains { $0.kind == .quality } == false)
            let notes = try listener.notifications(waitingUpTo: 10)
            #expect(notes.count == 1 && notes[0].channel == "forecast_alerts" && notes[0].payload.contains("\"event\" : \"opened\""), "\(notes)")
            #expect(notes.first?.payload.contains("\"tier\" : \"critical\"") == true, "\(notes)")

            // The drift lasts: the same alert is updated, not duplicated.
            _ = try Self.nightly(db, "2026-11-20")
            #expect(try Self.alerts(db, "drift.price") == ["critical open x2"])
            // Recovery: prices back to normal; the alert resolves and says so.
            try db.execute("DELETE FROM demand.prices WHERE ds = '2026-11-19' AND known_at = '2026-11-01'")
            let recovered = try Self.nightly(db, "2026-11-21")
            #expect(recovered.monitor?.alerts.resolved == ["drift.price price"], "\(recovered.monitor?.conditions ?? [])")
            #expect(try Self.alerts(db, "drift.price") == ["critical resolved x2"])
            #expect(try listener.notifications(waitingUpTo: 10).map(\.payload).contains { $0.contains("\"event\" : \"resolved\"") })
            #expect(try db.scalar("SELECT count(*) FROM forecast.open_alerts WHERE rule = 'drift.price'", as: Int.self) == 0)
            listener.close()
            listener = try db.connect()
        }

        @Test func aBrokenPriceFeedIsAQualityFailureNotDrift() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 24, locations: 3)
            for day in ["2026-11-15", "2026-11-16", "2026-11-17"] { _ = try Self.nightly(db, day) }
            // The price feed failed: the prices table came back empty.
            try db.execute("DELETE FROM demand.prices")
            let broken = try Self.nightly(db, "2026-11-18")
            let conditions = broken.monitor?.conditions ?? []
            #expect(conditions.map(\.rule) == ["quality.missing.price"], "\(conditions)")
            #expect(conditions.first?.tier == .critical && conditions.first?.runbook == "Data-quality alerts")
            #expect(conditions.first?.message.hasPrefix("price is missing for 100.0% of series") == true, "\(conditions)")
            // PSI against hand-checkable profiles: the run's price profile has no values, so no drift is judged.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.drift_results WHERE run_id = \(broken.runID) AND feature = 'price'
                        """), as: Int.self) == 0)
            let cli = try CLI.run(["monitor", "--run", String(broken.runID)], databaseURL: db.url)
            #expect(cli.status == 0 && cli.stdout.contains("CRITICAL quality.missing.price [all]"), "\(cli.stdout)\(cli.stderr)")
            #expect(try db.scalar("SELECT occurrences FROM forecast.alerts WHERE rule = 'quality.missing.price'", as: Int.self) == 2)
        }
    }
}
