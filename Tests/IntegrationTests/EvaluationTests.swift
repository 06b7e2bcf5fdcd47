import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 10, delayed ground truth: `evaluate` joins published forecasts with the actuals of their
/// target periods as they land, idempotently, and follows restated actuals.
extension Integration {
    @Suite struct EvaluationTests {
        static func count(_ db: TestDatabase, _ sql: Query) throws -> Int { try db.scalar(sql, as: Int.self) }

        @Test func evaluationJoinsTheRightPeriodIsIdempotentAndFollowsRestatements() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let version = try Registry.train(db, "moving_average", label: "moving average")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: try db.connect())
            let early = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-13")!)
            let late = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-20")!)
            let series = try Self.count(db, Query("SELECT series_count FROM forecast.runs WHERE id = \(early.runID)"))
            // Every series' profile was written with its forecasts.
            #expect(try Self.count(db, Query("SELECT count(*) FROM forecast.series_stats WHERE run_id = \(early.runID) AND mase_scale > 0")) == series)

            let c = try db.connect()
            defer { c.close() }
            let first = try Evaluator.evaluate(inputSchema: "demand", on: c)
            // Both runs' 7 targets have landed (sales through 2026-11-27), served and baseline rows.
            #expect(first.landedThrough == Fixtures.end && first.restated == 0)
            #expect(first.evaluated == 2 * 2 * series * 7)
            // The right period and horizon, and the actual of exactly that period (0 without a sales row).
            #expect(
                try Self.count(
                    db,
                    Query(
                        """
                        SELECT count(*) FROM forecast.evaluations e
                        JOIN forecast.forecasts f ON f.run_id = e.run_id AND f.item_id = e.item_id AND f.location_id = e.location_id AND f.ds = e.ds
                        LEFT JOIN demand.sales s ON s.item_id = e.item_id AND s.location_id = e.location_id AND s.ds = e.ds
                        WHERE e.role = 'served' AND e.horizon = f.horizon AND e.horizon = e.ds - e.cutoff AND e.yhat = f.yhat
                          AND e.actual = coalesce(s.qty, 0)
                        """)) == 2 * series * 7)
            // Idempotent: nothing new, nothing restated.
            let again = try Evaluator.evaluate(inputSchema: "demand", on: c)
            #expect(again.evaluated == 0 && again.restated == 0)
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.evaluations") == first.evaluated)

            // Partition-local (issue 32): the early run's targets ended a week before the landed day,
            // so a pass does not open its partitions (held by another session, the pass still goes
            // through); the late run's it still reads (held, the pass waits out its lock timeout).
            func held(_ run: Int64, _ body: () throws -> Void) throws {
                let locker = try db.connect()
                defer { locker.close() }
                try locker.begin()
                try locker.execute(Query(unsafeSQL: "LOCK TABLE forecast.forecasts_r\(run) IN ACCESS EXCLUSIVE MODE"))
                defer { _ = try? locker.rollback() }
                try body()
            }
            try c.execute("SET lock_timeout = '2s'")
            try held(early.runID) {
                let pass = try Evaluator.evaluate(inputSchema: "demand", on: c)
                #expect(pass.evaluated == 0)
            }
            try held(late.runID) {
                let e = #expect(throws: PostgresError.self) { try Evaluator.evaluate(inputSchema: "demand", on: c) }
                #expect(e?.sqlState == .lockNotAvailable)
            }
            try c.execute("RESET lock_timeout")

            // A restated actual: the evaluation follows it and keeps what it replaced.
            try db.execute(
                """
                UPDATE demand.sales SET qty = qty + 40, loaded_at = clock_timestamp()
                WHERE item_id = 'I000001' AND location_id = 'L0001' AND ds = '2026-11-18'
                """)
            let restated = try Evaluator.evaluate(inputSchema: "demand", on: c)
            #expect(restated.evaluated == 0 && restated.restated == 2)  // served and baseline of the 11-13 run
            #expect(
                try db.scalar(
                    """
                    SELECT string_agg(role || ':' || (CASE WHEN replaced_at IS NULL THEN 'current' ELSE 'replaced' END) || ':' || actual, ',' ORDER BY role, id)
                    FROM forecast.evaluations WHERE item_id = 'I000001' AND location_id = 'L0001' AND ds = '2026-11-18'
                    """, as: String.self)
                    == (try db.scalar(
                        """
                        SELECT 'baseline:replaced:' || (qty - 40) || ',baseline:current:' || qty || ',served:replaced:' || (qty - 40) || ',served:current:' || qty
                        FROM demand.sales WHERE item_id = 'I000001' AND location_id = 'L0001' AND ds = '2026-11-18'
                        """, as: String.self)))

            // Targets that have not landed wait; a new sales day lands them (a missing row counts as 0).
            let newest = try Registry.serve(db, cutoff: Fixtures.end)
            #expect(try Evaluator.evaluate(inputSchema: "demand", on: c).evaluated == 0)
            try db.execute(
                """
                INSERT INTO demand.sales (item_id, location_id, ds, qty, loaded_at)
                SELECT item_id, location_id, '2026-11-28', 3, clock_timestamp() FROM demand.sales
                WHERE ds = '2026-11-27' AND item_id IN ('I000001', 'I000002')
                """)
            let landed = try Evaluator.evaluate(inputSchema: "demand", on: c)
            #expect(landed.landedThrough == PostgresDate(iso: "2026-11-28") && landed.evaluated == 2 * series)
            #expect(
                try Self.count(
                    db,
                    Query(
                        """
                        SELECT count(*) FROM forecast.evaluations e WHERE run_id = \(newest.runID) AND horizon = 1
                          AND actual = coalesce((SELECT qty FROM demand.sales s WHERE (s.item_id, s.location_id, s.ds) = (e.item_id, e.location_id, e.ds)), 0)
                        """)) == 2 * series)
            #expect(try Self.count(db, Query("SELECT count(*) FROM forecast.evaluations WHERE run_id = \(newest.runID) AND actual = 3")) > 0)

            // The views: served and baseline side by side, value added, top offenders.
            #expect(
                try db.scalar("SELECT string_agg(role, ',' ORDER BY role) FROM forecast.accuracy_4w WHERE segment_kind = 'all'", as: String.self)
                    == "baseline,served")
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.accuracy_4w WHERE segment_kind = 'horizon' AND role = 'served'") == 7)
            // The exception rate (issue 31, item 8): a series' 4-week total off by more than the tolerance,
            // the same in accuracy_4w as counted from forecast.exceptions_4w by hand; null per horizon.
            #expect(
                try db.scalar(
                    """
                    SELECT a.exception_rate = (SELECT avg(CASE WHEN abs(forecast_total - actual_total) > 0.3 * greatest(actual_total, 1) THEN 1.0 ELSE 0.0 END)
                                               FROM forecast.exceptions_4w WHERE role = 'served')
                    FROM forecast.accuracy_4w a WHERE a.segment_kind = 'all' AND a.role = 'served'
                    """, as: Bool.self))
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.accuracy_4w WHERE segment_kind = 'horizon' AND exception_rate IS NOT NULL") == 0)
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.accuracy_4w WHERE segment_kind <> 'horizon' AND exception_rate IS NULL") == 0)
            // The tolerance comes from the metrics contract: a wider one makes fewer exceptions.
            let contract = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: contract) }
            try String(contentsOf: TestDatabase.sql.url.deletingLastPathComponent().appendingPathComponent("ops/metrics-contract.json"), encoding: .utf8)
                .replacingOccurrences(of: "\"exception_tolerance\": 0.3", with: "\"exception_tolerance\": 10")
                .write(to: contract, atomically: true, encoding: .utf8)
            let applied = try CLI.run(["objectives", "--apply", contract.path, "--format", "json"], databaseURL: db.url)
            #expect([0, 3].contains(applied.status), "\(applied.stderr)")
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.service_objectives WHERE exception_tolerance = 10") == 2)
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.exceptions_4w WHERE exception AND actual_total >= 1") == 0)
            // The same accuracy on /metrics, per frequency and role (issue 31, item 6).
            let wape = try db.scalar("SELECT wape FROM forecast.accuracy_4w WHERE segment_kind = 'all' AND role = 'served'", as: Double.self)
            let scraper = try db.connect()
            defer { scraper.close() }
            let scraped = try OpsMetrics.scrape(on: scraper)
            // The scrape sums the same floats in its own order, so compare to the last few bits, not the printed digits.
            let sample = "forecast_accuracy_wape_4w{frequency=\"day\",role=\"served\"} "
            let scrapedWape = scraped.split(separator: "\n").first { $0.hasPrefix(sample) }.flatMap { Double($0.dropFirst(sample.count)) }
            #expect(scrapedWape.map { abs($0 - wape) <= 1e-12 * max(1, abs(wape)) } == true, "\(scraped)")
            #expect(scraped.contains("forecast_accuracy_forecasts_4w{frequency=\"day\",role=\"baseline\"}"))
            let added = try db.scalar(
                """
                SELECT round((1 - served_wape / baseline_wape - value_added)::numeric, 9)::float8 FROM forecast.forecast_value_added WHERE segment_kind = 'all'
                """, as: Double.self)
            #expect(added == 0)
            #expect(try db.scalar("SELECT sum(error_share) FROM forecast.top_offenders", as: Double.self) > 0.999)
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.top_offenders WHERE rank = 1") == 1)
        }

        /// Issue 29, findings 4 and 9: the worker role evaluates (the id sequence is granted), and a
        /// NaN or infinite restated actual is counted and skipped, never averaged into accuracy.
        @Test func theWorkerRoleEvaluatesAndNonFiniteActualsAreSkipped() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let run = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!))
            let worker = try db.workerURL()
            let first = try CLI.run(["evaluate"], databaseURL: worker)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(
                first.stdout.contains("evaluate: pass 1: actuals landed through 2026-11-27; 84 forecasts evaluated, 0 restated actuals followed"),
                "\(first.stdout)")
            let key = "item_id = 'I000001' AND location_id = 'L0001' AND ds = '2026-11-24'"
            let before = try db.scalar(Query(unsafeSQL: "SELECT actual FROM forecast.evaluations WHERE replaced_at IS NULL AND \(key)"), as: Double.self)
            try db.execute(Query(unsafeSQL: "UPDATE demand.sales SET qty = 'Infinity', loaded_at = clock_timestamp() WHERE \(key)"))
            let second = try CLI.run(["evaluate"], databaseURL: worker)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("0 forecasts evaluated, 0 restated actuals followed"), "\(second.stdout)")
            #expect(
                second.stderr.contains("evaluate: warning: 1 sales row of this pass's loads had a NaN or infinite quantity and were not used as actuals"),
                "\(second.stderr)")
            #expect(try db.scalar("SELECT non_finite_actuals FROM forecast.evaluation_passes ORDER BY id DESC LIMIT 1", as: Int.self) == 1)
            // The same pass for scripts (issue 31, item 1): a third pass finds nothing new, and says so in JSON.
            let third = try CLI.run(["evaluate", "--format", "json"], databaseURL: worker)
            let tables = try JSONSerialization.jsonObject(with: Data(third.stdout.utf8)) as? [String: [[String: Any]]]
            #expect(tables?.keys.sorted() == ["accuracy", "pass", "value_added"], "\(third.stdout)\(third.stderr)")
            #expect(tables?["pass"]?.first?["id"] as? Int == 3 && tables?["pass"]?.first?["evaluated"] as? Int == 0)
            #expect(tables?["accuracy"]?.contains { $0["role"] as? String == "served" && $0["wape"] is Double } == true)
            for (table, rows) in tables ?? [:] { DocumentedFields.expect("evaluate", table, rows: rows) }
            #expect(try db.scalar(Query(unsafeSQL: "SELECT actual FROM forecast.evaluations WHERE replaced_at IS NULL AND \(key)"), as: Double.self) == before)
            #expect(
                try db.scalar(
                    """
                    SELECT bool_and(wape < 'Infinity'::float8 AND coalesce(mase, 0) < 'Infinity'::float8) FROM forecast.accuracy_4w WHERE role = 'served'
                    """, as: Bool.self))
            #expect(try db.scalar(Query("SELECT count(*)::int FROM forecast.evaluations WHERE run_id = \(run.runID)"), as: Int.self) == 84)
        }

        /// Migration 045: what is scored is computed by the database. The worker role runs the pass
        /// through `forecast.evaluate_landed` but cannot write an evaluation or a pass itself (a
        /// flattering row before the real pass would steer the accuracy views, the alerts and
        /// promotion), nor point the pass at a table of its own.
        @Test func onlyTheOwnersFunctionWritesEvaluations() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 1)
            let run = try Fixtures.coordinator(db).run(Fixtures.options(horizon: 7, cutoff: PostgresDate(iso: "2026-11-20")!))
            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            let state = { (sql: String) in Integration.Privileges.sqlState(worker, Query(unsafeSQL: sql)) }
            let flattering = """
                INSERT INTO forecast.evaluations (run_id, role, frequency, cutoff, item_id, location_id, ds, horizon,
                    model_version, model_name, yhat, yhat_lower, yhat_upper, actual)
                SELECT run_id, 'served', 'day', cutoff, item_id, location_id, ds, horizon, model_version, model_name,
                       yhat, yhat_lower, yhat_upper, yhat
                FROM forecast.forecasts WHERE run_id = \(run.runID)
                """
            for sql in [
                flattering, flattering.replacingOccurrences(of: "INTO forecast.evaluations ", with: "INTO forecast.evaluations_r\(run.runID) "),
                "INSERT INTO forecast.evaluation_passes (input_schema, landed_through) VALUES ('demand', '2026-12-31')",
                "UPDATE forecast.evaluation_passes SET landed_through = '2026-12-31'",
                "UPDATE forecast.evaluations SET replaced_at = clock_timestamp()", "DELETE FROM forecast.evaluations",
                "SELECT nextval('forecast.evaluations_id_seq')",
            ] {
                #expect(state(sql) == "42501", "\(sql)")
            }
            // Actuals of its own: a temporary sales table is refused, whatever the schema is called.
            try worker.execute("CREATE TEMP TABLE sales (item_id text, location_id text, ds date, qty float8, loaded_at timestamptz)")
            try worker.execute("INSERT INTO sales SELECT item_id, location_id, ds, yhat, now() FROM forecast.forecasts")
            let tempSchema = try worker.query("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()").first!.decode("nspname", as: String.self)
            for schema in ["pg_temp", tempSchema] {
                #expect(state("SELECT forecast.evaluate_landed('\(schema)', NULL)") == "42501", "\(schema)")
            }
            // A hostile or unknown name is a name, never SQL.
            #expect(state("SELECT forecast.evaluate_landed('demand.sales; DROP TABLE demand.sales; --', NULL)") == "42P01")
            #expect(state("SELECT forecast.evaluate_landed('\"demand\"', NULL)") == "42P01")
            // A combining mark, control characters, a huge name: each an unknown table, never another one.
            for hostile in ["demand\u{301}", "\"\u{301}demand", "demand\u{1B}[2J", "demand\nsales", String(repeating: "d", count: 100_000)] {
                let e = #expect(throws: PostgresError.self) {
                    _ = try worker.query(Query("SELECT forecast.evaluate_landed(\(hostile), \(hostile))"))
                }
                #expect(e?.sqlState == SQLState("42P01"), "\(hostile.prefix(20).debugDescription)")
            }
            // The reader role may not run a pass at all.
            let reader = try Connection.connect(try db.readerURL())
            defer { reader.close() }
            #expect(Integration.Privileges.sqlState(reader, "SELECT forecast.evaluate_landed('demand', NULL)") == "42501")
            #expect(try Self.count(db, "SELECT count(*) FROM forecast.evaluation_passes") == 0)

            // The pass itself, as the worker: the actuals are the input table's (a missing row is 0 sold),
            // recorded with its login.
            let pass = try Evaluator.evaluate(inputSchema: "demand", on: worker)
            #expect(pass.evaluated == 28 && pass.landedThrough == PostgresDate(iso: "2026-11-27"))
            #expect(
                try Self.count(
                    db,
                    Query(
                        """
                        SELECT count(*) FROM forecast.evaluations e LEFT JOIN demand.sales s USING (item_id, location_id, ds)
                        WHERE e.run_id = \(run.runID) AND e.actual = coalesce(s.qty, 0)
                        """)) == 28)
            #expect(try db.scalar("SELECT db_role = current_user FROM forecast.evaluation_passes", as: Bool.self) == false)
        }

        /// Leakage: a version's artifact trained on data after a backfill's cutoff does not serve it.
        @Test func aBackfillIsNotServedByAnArtifactTrainedOnLaterData() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let local = try Registry.train(db, "moving_average", label: "moving average")
            let global = try Registry.train(db, "xgboost", label: "global model")
            _ = try ModelStages.promote(local.version, to: .production, force: false, reason: nil, on: try db.connect())
            _ = try ModelStages.promote(global.version, to: .production, force: false, reason: nil, on: try db.connect())
            let backfill = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-13")!)
            #expect(backfill.modelVersion == "1.0.0")
            #expect(
                backfill.servingNotes.first
                    == "model version 2.0.0 was trained on data up to 2026-11-27, after the cutoff 2026-11-13: its artifact may not serve this run")
            #expect(try Registry.serve(db).modelVersion == "2.0.0")
        }

        /// Issue 29, finding 15: with no production version trained by a backfill's cutoff, the run
        /// says that, once, and not also "no production model version".
        @Test func aBackfillWithOnlyLaterVersionsSaysWhyItBootstraps() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let global = try Registry.train(db, "xgboost", label: "global model")
            _ = try ModelStages.promote(global.version, to: .production, force: false, reason: nil, on: try db.connect())
            let backfill = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-13")!)
            #expect(
                backfill.servingNotes == [
                    "model version 1.0.0 was trained on data up to 2026-11-27, after the cutoff 2026-11-13: its artifact may not serve this run",
                    "no production version was trained by the cutoff 2026-11-13 (frequency day): serving the bootstrap seasonal naive",
                ])
            let cli = try CLI.run(["run", "--cutoff", "2026-11-06", "--as-of", "2026-11-28T06:00:00Z", "--no-progress"], databaseURL: db.url)
            #expect(cli.status == 0, "\(cli.stderr)")
            #expect(cli.stdout.contains("(bootstrap: every production version was trained after the cutoff)"), "\(cli.stdout)")
            #expect(!cli.stdout.contains("no production model version"), "\(cli.stdout)")
        }
    }
}
