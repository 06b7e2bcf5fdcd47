import Forecasting
import Foundation
import GradientBoosting
import Logging
import Postgres
import Testing

@testable import Pipeline

/// Issue 9: model versions in Postgres, stages with an audit trail, runs that serve the registry
/// (production, shadow, bootstrap), refusals of a stored artifact with fallback, rollback.
enum Registry {
    /// A gate every sensible policy passes on the demo data (the stage rules are tested, not the model).
    static let lenientGate = AccuracyGate(
        primaryMetric: .wape, candidate: "selected", minImprovement: -10, lastFolds: 3,
        maxAbsBias: 10, noWorseSegments: [], coverageTolerance: 1)
    /// `lenientGate` as a JSON file for `forecastctl train --gate` (the caller removes it).
    static func lenientGateFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString).json")
        try JSONEncoder().encode(lenientGate).write(to: url)
        return url
    }
    /// A gate nothing passes: the candidate must be 99% better than seasonal naive.
    static let strictGate = AccuracyGate(
        primaryMetric: .wape, candidate: "selected", minImprovement: 0.99, lastFolds: 3,
        maxAbsBias: 10, noWorseSegments: [], coverageTolerance: 1)

    static func train(
        _ db: TestDatabase, _ model: String, label: String, gate: AccuracyGate = lenientGate,
        horizon: Int = 7, asOf: PostgresTimestamp = Fixtures.asOf
    ) throws -> ModelVersion {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let spec = try ModelSpec(parsing: model, seasonLength: 7, window: 14)
        let backtest = BacktestOptions(
            end: Fixtures.end, asOf: asOf, plan: try BacktestPlan(folds: 3, step: 7, horizon: horizon),
            models: [spec], workers: 2, chunkSize: 20, showProgress: false)
        return try ModelTrainer(sql: TestDatabase.sql, logger: logger, connect: db.connector)
            .train(ModelTrainer.Options(backtest: backtest, model: spec, label: label, gate: gate)).version
    }

    /// A run with no --model: it serves the registry.
    static func serve(
        _ db: TestDatabase, horizon: Int? = nil, cutoff: PostgresDate = Fixtures.end,
        asOf: PostgresTimestamp = Fixtures.asOf
    ) throws -> RunCoordinator.Summary {
        var options = Fixtures.options(horizon: horizon ?? 28, force: true, cutoff: cutoff, asOf: asOf)
        options.serveRegistry = true
        options.explicitHorizon = horizon
        return try Fixtures.coordinator(db).run(options)
    }

    static func stage(_ db: TestDatabase, _ version: String) throws -> String {
        try db.scalar(
            Query(
                """
                SELECT s.stage FROM forecast.model_stages s JOIN forecast.model_versions v ON v.id = s.model_version_id
                WHERE v.version = \(version)
                """), as: String.self)
    }
}

extension Integration {
    @Suite struct ModelRegistryTests {
        @Test func versionsAreRegisteredWithLineageAndCannotChange() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let v1 = try Registry.train(db, "moving_average", label: "moving average")
            #expect(v1.version == "1.0.0" && v1.stage == .candidate && v1.frequency == .day && v1.horizon == 7)
            #expect(v1.policy.model.kind == .movingAverage && v1.policy.calibrationBacktestID == v1.backtestID)
            #expect(v1.trainingCutoff == Fixtures.end && v1.gatePassed && v1.codeVersion == CodeVersion.current)
            let metrics = try v1.metrics
            #expect(metrics.model == "MovingAverage(14)" && metrics.baseline == "SeasonalNaive(7)")
            #expect(
                metrics.overall.n
                    == (try db.scalar(
                        Query(
                            """
                            SELECT count(*) FROM forecast.backtest_results
                            WHERE backtest_id = \(v1.backtestID) AND model_name = 'MovingAverage(14)' AND actual IS NOT NULL
                            """), as: Int.self)))
            #expect(metrics.overall.wape! > 0 && metrics.segments.contains { $0.kind == .demandClass })
            // The round trip: the stored policy is what was trained, the manifest names the backtest.
            let again = try ModelRegistry.find("1.0.0", on: try db.connect())
            #expect(again.policy == v1.policy && again.configHash == v1.configHash)
            #expect(try db.scalar("SELECT input_manifest ->> 'backtest_id' FROM forecast.model_versions", as: String.self) == String(v1.backtestID))

            // A retrain of the same recipe bumps MINOR; another recipe starts the next MAJOR line.
            #expect(try Registry.train(db, "moving_average", label: "moving average, retrained").version == "1.1.0")
            let global = try Registry.train(db, "xgboost", label: "global model")
            #expect(global.version == "2.0.0")
            #expect(
                try db.scalar(
                    """
                    SELECT feature_schema_hash = md5(array_to_string(features, E'\\n')) AND md5(artifact) = md5
                    FROM forecast.model_artifacts WHERE model_version_id = \(global.id)
                    """, as: Bool.self))

            // Immutable: versions and their artifacts (FC004); a new version starts as a candidate (FC005).
            let c = try db.connect()
            defer { c.close() }
            #expect(Privileges.sqlState(c, "UPDATE forecast.model_versions SET label = 'x'") == "FC004")
            #expect(Privileges.sqlState(c, "DELETE FROM forecast.model_artifacts WHERE model_version_id IS NOT NULL") == "FC004")
            #expect(Privileges.sqlState(c, "DELETE FROM forecast.model_versions") == "FC004")
            #expect(
                Privileges.sqlState(
                    c,
                    Query(
                        """
                        UPDATE forecast.model_stages SET stage = 'shadow', reason = ' ' WHERE model_version_id = \(v1.id)
                        """)) == "FC005")
            // At most one production version per frequency, whatever writes the table.
            try c.execute(Query("UPDATE forecast.model_stages SET stage = 'production', reason = 'test' WHERE model_version_id = \(v1.id)"))
            #expect(
                Privileges.sqlState(
                    c,
                    Query(
                        """
                        UPDATE forecast.model_stages SET stage = 'production', reason = 'test' WHERE model_version_id = \(global.id)
                        """)) == "23505")
            let listed = try CLI.run(["models", "list"], databaseURL: db.url)
            #expect(listed.status == 0)
            let lines = listed.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            #expect(lines.contains { $0.hasPrefix("2.0.0 candidate day global model XGBoost 2026-11-27") }, "\(listed.stdout)")
            #expect(lines.contains { $0.hasPrefix("1.0.0 production day moving average MovingAverage(14)") }, "\(listed.stdout)")
            let shown = try CLI.run(["models", "show", "2.0.0"], databaseURL: db.url)
            #expect(shown.status == 0 && shown.stdout.contains("XGBoost   xgboost-ubj"), "\(shown.stdout)")
            #expect(
                try CLI.run(["models", "show", "9.9.9"], databaseURL: db.url).stderr
                    == "forecastctl: error: no model version '9.9.9'; list them with `forecastctl models list`\n")
        }

        @Test func runsServeProductionWriteShadowRowsAndRollBack() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let local = try Registry.train(db, "moving_average", label: "moving average")
            let global = try Registry.train(db, "xgboost", label: "global model")

            // No production version: the bootstrap seasonal naive, said so; with a shadow beside it.
            _ = try ModelStages.promote(global.version, to: .shadow, force: false, reason: nil, on: try db.connect())
            let boot = try Registry.serve(db)
            #expect(boot.modelVersion == "SeasonalNaive(7) > Naive@\(CodeVersion.current)" && boot.horizon == 7)
            #expect(
                boot.servingNotes == [
                    "no model version is in production for frequency day: serving the bootstrap seasonal naive (forecastctl train, then promote)"
                ])
            #expect(boot.shadowVersion == "2.0.0")
            let series = try db.scalar(Query("SELECT series_count FROM forecast.runs WHERE id = \(boot.runID)"), as: Int.self)
            #expect(
                try db.scalar(
                    Query("SELECT count(*) FROM forecast.side_forecasts WHERE run_id = \(boot.runID) AND role = 'shadow' AND model_version = '2.0.0'"),
                    as: Int.self) == series * 7)
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest WHERE model_version = '2.0.0'", as: Int.self) == 0)
            #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == series * 7)
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.shadow_comparison
                        WHERE run_id = \(boot.runID) AND shadow_version = '2.0.0' AND served_version LIKE 'SeasonalNaive%' AND difference = shadow_yhat - served_yhat
                        """), as: Int.self) == series * 7)

            // Production: the stored artifact predicts (no training in the run), rows name the version.
            let promoted = try CLI.run(["promote", "2.0.0", "--to", "production"], databaseURL: db.url)
            #expect(promoted.status == 0 && promoted.stdout.contains("promote: 2.0.0 shadow -> production (day)"), "\(promoted.stdout)\(promoted.stderr)")
            let artifacts = try db.scalar("SELECT count(*) FROM forecast.model_artifacts", as: Int.self)
            let first = try Registry.serve(db)
            let second = try Registry.serve(db)
            #expect(first.modelVersion == "2.0.0" && first.servingNotes.isEmpty && first.shadowVersion == nil)
            #expect(try db.scalar("SELECT count(*) FROM forecast.model_artifacts", as: Int.self) == artifacts)
            #expect(try db.scalar(Query("SELECT model_version_id FROM forecast.runs WHERE id = \(first.runID)"), as: Int64.self) == global.id)
            #expect(try db.scalar(Query("SELECT count(*) FROM forecast.run_model_inputs WHERE run_id = \(first.runID)"), as: Int.self) == 1)
            // Prepared while planning, beside the contracts (no training step; the run started when its plan committed); publish_s: the output checks before publishing.
            #expect(
                try db.scalar(
                    Query("SELECT array_to_string(ARRAY(SELECT jsonb_object_keys(timings) ORDER BY 1), ',') FROM forecast.runs WHERE id = \(first.runID)"),
                    as: String.self) == "contracts_s,index_s,plan_s,prepare_s,publish_s,work_s")
            // index_s: once published, the run's partition is indexed by location (migration 041) and
            // forecast.latest by location reads it through that index; a run not published is refused.
            #expect(
                try db.scalar(
                    Query("SELECT count(*)::int FROM pg_indexes WHERE schemaname = 'forecast' AND indexname = \("forecasts_r\(first.runID)_by_location")"),
                    as: Int.self) == 1)
            let reader = try db.connect()
            defer { reader.close() }
            try reader.execute("SET enable_seqscan = off")
            let plan = try reader.query("EXPLAIN SELECT * FROM forecast.latest WHERE location_id = 'L0001'").rows.map { try $0.decode(at: 0, as: String.self) }
            #expect(plan.contains { $0.contains("forecasts_r\(first.runID)_by_location") }, "\(plan.joined(separator: "\n"))")
            #expect(try db.scalar(Query("SELECT forecast.index_published_run(\(Int64(999_999)))"), as: Bool.self) == false)
            // The competitors' prices prepared for the run (read narrowly: the rows that decide each
            // target day) equal those built from every series read in full, as the model was trained.
            let connection = try db.connect()
            defer { connection.close() }
            // Stored as rows (migration 042), the inputs row's document null.
            let stored = try RunCategoryPrices.read(runID: first.runID, versionID: global.id, name: "XGBoost", on: connection)
            #expect(
                try db.scalar(Query("SELECT count(*) FROM forecast.run_model_inputs WHERE run_id = \(first.runID) AND category_prices IS NULL"), as: Int.self)
                    == 1)
            #expect(
                try db.scalar(Query("SELECT count(*)::int FROM forecast.run_category_prices WHERE run_id = \(first.runID)"), as: Int.self)
                    == stored.table.count)
            #expect(
                try GlobalTraining.load(.version(global.id), name: "XGBoost", runInputs: first.runID, schema: RunConfig().schema, on: connection)
                    .encodings.categoryPrices == stored)
            let predictor = try GlobalTraining.load(.version(global.id), name: "XGBoost", runInputs: nil, schema: RunConfig().schema, on: connection)
            let record = try RunStore.load(first.runID, on: connection)
            let (globals, _) = try GlobalTraining.collect(
                .run, id: first.runID, cutoff: record.cutoff, asOf: record.asOf, frequency: .day,
                schema: RunConfig().schema, attributes: [], codes: predictor.codes, on: connection)
            #expect(stored.table.count > 50 && stored == CategoryPrices.build(globals, origins: [record.cutoff.unixDays], horizon: 7))
            try RunCategoryPricesChecks.check(db, runID: first.runID, versionID: global.id)
            // The baseline's forecasts for evaluation, beside the served rows and not in latest.
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.side_forecasts
                        WHERE run_id = \(first.runID) AND role = 'baseline' AND model_version = \("SeasonalNaive(7) > Naive@" + CodeVersion.current)
                        """), as: Int.self) == series * 7)
            // Stored as one row per series with the horizon in arrays; the view gives them back per
            // period, value for value what the bootstrap run served from the same snapshot.
            #expect(
                try db.scalar(
                    Query("SELECT count(*) FROM forecast.side_forecast_paths WHERE run_id = \(first.runID) AND role = 'baseline'"),
                    as: Int.self) == series)
            #expect(
                try db.scalar(
                    Query(
                        """
                        SELECT count(*) FROM forecast.side_forecasts s
                        JOIN forecast.forecasts f ON f.run_id = \(boot.runID) AND f.item_id = s.item_id AND f.location_id = s.location_id AND f.ds = s.ds
                        WHERE s.run_id = \(first.runID) AND s.role = 'baseline' AND s.ds = s.cutoff + s.horizon AND s.horizon = f.horizon
                          AND s.yhat = f.yhat AND s.yhat_lower = f.yhat_lower AND s.yhat_upper = f.yhat_upper AND s.model_name = f.model_name
                          AND s.interval_level = f.interval_level AND s.cutoff = f.cutoff
                        """), as: Int.self) == series * 7)
            #expect(try db.scalar(Query("SELECT serving FROM forecast.runs WHERE id = \(boot.runID)"), as: String.self) == "bootstrap")
            #expect(try db.scalar(Query("SELECT serving FROM forecast.runs WHERE id = \(first.runID)"), as: String.self) == "version")
            #expect(try db.scalar("SELECT count(DISTINCT model_version) FROM forecast.latest", as: Int.self) == 1)
            #expect(try db.scalar("SELECT min(model_version) FROM forecast.latest", as: String.self) == "2.0.0")
            // Determinism: the same version on the same snapshot gives byte-identical rows.
            let rows = try db.forecastRows(run: first.runID)
            let secondRows = try db.forecastRows(run: second.runID)
            #expect(rows.count == series * 7 && rows == secondRows)

            // Replace it with the local version, then roll back in one command: the next run serves 2.0.0 again.
            _ = try ModelStages.promote(local.version, to: .production, force: false, reason: "cheaper", on: try db.connect())
            #expect(try Registry.stage(db, "2.0.0") == "archived")
            #expect(try Registry.serve(db).modelVersion == "1.0.0")
            let rolled = try CLI.run(["rollback", "--reason", "moving average misses the promotions"], databaseURL: db.url)
            #expect(rolled.status == 0, "\(rolled.stderr)")
            #expect(rolled.stdout == "rollback: 2.0.0 is production again (day); 1.0.0 archived. The next run serves 2.0.0.\n")
            let after = try Registry.serve(db)
            let afterRows = try db.forecastRows(run: after.runID)
            #expect(after.modelVersion == "2.0.0" && afterRows == rows)
            // 1.0.0 was rolled back from: another rollback has nowhere to go.
            let unexplained = try CLI.run(["rollback"], databaseURL: db.url)
            #expect(unexplained.status == 64 && unexplained.stderr.contains("Missing expected argument '--reason <reason>'"), "\(unexplained.stderr)")
            let nowhere = try CLI.run(["rollback", "--reason", "again"], databaseURL: db.url)
            #expect(
                nowhere.status == 64 && nowhere.stderr.contains("no earlier production version of frequency day to roll back to from 2.0.0"),
                "\(nowhere.stderr)")

            // Every change is a row: who (role and OS user), why.
            let events = try ModelRegistry.events(frequency: .day, on: try db.connect())
            #expect(
                events.map { "\($0.version) \($0.from ?? "-")>\($0.to)" } == [
                    "1.0.0 ->candidate", "2.0.0 ->candidate", "2.0.0 candidate>shadow", "2.0.0 shadow>production",
                    "2.0.0 production>archived", "1.0.0 candidate>production", "1.0.0 production>archived", "2.0.0 archived>production",
                ])
            #expect(events.allSatisfy { $0.dbRole == "postgres" && $0.osUser != nil && !$0.reason.isEmpty })
            #expect(events[7].reason == "rollback from 1.0.0: moving average misses the promotions")

            // Archiving production needs --force; afterwards runs serve the bootstrap, not an archived version.
            let archive = try CLI.run(["promote", "2.0.0", "--to", "archived"], databaseURL: db.url)
            #expect(archive.status == 64 && archive.stderr.contains("use `forecastctl rollback`, or --force --reason"), "\(archive.stderr)")
            #expect(try CLI.run(["promote", "2.0.0", "--to", "archived", "--force", "--reason", "retiring the daily model"], databaseURL: db.url).status == 0)
            let retired = try Registry.serve(db, horizon: 7)
            #expect(retired.modelVersion == "SeasonalNaive(7) > Naive@\(CodeVersion.current)" && retired.servingNotes.count == 1)
        }

        @Test func theGateBlocksProductionAndForceNeedsAReason() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let weak = try Registry.train(db, "naive", label: "naive", gate: Registry.strictGate)
            #expect(!weak.gatePassed)
            let blocked = try CLI.run(["promote", weak.version, "--to", "production"], databaseURL: db.url)
            #expect(blocked.status == 2, "\(blocked.stderr)")
            #expect(
                blocked.stderr.hasPrefix(
                    "forecastctl: error: model version 1.0.0 may not go to production: the accuracy gate failed 1 of 3 checks: wape vs SeasonalNaive(7), last 3 folds"
                ), "\(blocked.stderr)")
            #expect(blocked.stdout.contains("FAIL"))
            #expect(try Registry.stage(db, "1.0.0") == "candidate")
            let noReason = try CLI.run(["promote", weak.version, "--to", "production", "--force"], databaseURL: db.url)
            #expect(
                noReason.status == 64
                    && noReason.stderr == "forecastctl: error: --force needs --reason \"...\": say why the gate is overridden (it is recorded)\n")
            let forced = try CLI.run(
                ["promote", weak.version, "--to", "production", "--force", "--reason", "ERP cutover needs any model tonight"],
                databaseURL: db.url)
            #expect(forced.status == 0 && forced.stdout.contains("FORCED past the gate"), "\(forced.stdout)\(forced.stderr)")
            #expect(
                try db.scalar(
                    """
                    SELECT forced::text || ' ' || reason FROM forecast.model_stage_events WHERE to_stage = 'production'
                    """, as: String.self) == "true ERP cutover needs any model tonight")

            // Shadow actuals: a shadow that does worse than the served version on landed periods is blocked.
            let candidate = try Registry.train(db, "moving_average", label: "moving average")
            #expect(candidate.gatePassed)
            _ = try ModelStages.promote(candidate.version, to: .shadow, force: false, reason: nil, on: try db.connect())
            let early = try Registry.serve(db, cutoff: PostgresDate(iso: "2026-11-13")!)
            #expect(early.shadowVersion == candidate.version)
            try db.execute(
                Query(
                    """
                    UPDATE forecast.side_forecast_paths SET yhat = (SELECT array_agg(v * 10 + 50 ORDER BY o) FROM unnest(yhat) WITH ORDINALITY u(v, o))
                    WHERE run_id = \(early.runID) AND role = 'shadow'
                    """))
            let judged = try CLI.run(["promote", candidate.version, "--to", "production"], databaseURL: db.url)
            #expect(judged.status == 2, "\(judged.stdout)\(judged.stderr)")
            #expect(
                judged.stderr.contains(
                    "shadow actuals, \(try db.scalar(Query("SELECT series_count * 7 FROM forecast.runs WHERE id = \(early.runID)"), as: Int.self)) forecasts from 1 run"
                ), "\(judged.stderr)")
            #expect(try Registry.stage(db, candidate.version) == "shadow")
        }

        @Test func refusedArtifactsFallBackToTheLastProductionVersionThatLoads() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let local = try Registry.train(db, "moving_average", label: "moving average")
            let global = try Registry.train(db, "xgboost", label: "global model")
            _ = try ModelStages.promote(local.version, to: .production, force: false, reason: nil, on: try db.connect())
            _ = try ModelStages.promote(global.version, to: .production, force: false, reason: nil, on: try db.connect())
            #expect(try Registry.serve(db).modelVersion == "2.0.0")

            func tamper(_ sql: String) throws {
                try db.execute(Query(unsafeSQL: "SET session_replication_role = replica; \(sql); SET session_replication_role = origin"))
            }
            func servedAfter(_ sql: String, undo: String) throws -> (String, String) {
                try tamper(sql)
                defer { try? tamper(undo) }
                let run = try Registry.serve(db)
                let note = try db.scalar(Query("SELECT serving_note FROM forecast.runs WHERE id = \(run.runID)"), as: String.self)
                return (run.modelVersion, note)
            }
            let what = "the XGBoost artifact of model version id \(global.id) refused"
            let md5 = try db.scalar("SELECT md5 FROM forecast.model_artifacts WHERE model_version_id IS NOT NULL", as: String.self)
            let checksum = try servedAfter(
                "UPDATE forecast.model_artifacts SET md5 = md5(md5) WHERE model_version_id IS NOT NULL",
                undo: "UPDATE forecast.model_artifacts SET md5 = '\(md5)' WHERE model_version_id IS NOT NULL")
            #expect(checksum.0 == "1.0.0")
            #expect(
                checksum.1
                    == "model version 2.0.0: \(what): its bytes do not match the checksum stored with them (md5); serving model version 1.0.0, the last production version whose artifacts load"
            )

            let schema = try servedAfter(
                "UPDATE forecast.model_artifacts SET feature_schema_hash = md5('an older feature list') WHERE model_version_id IS NOT NULL",
                undo: "UPDATE forecast.model_artifacts SET feature_schema_hash = md5(array_to_string(features, E'\\n')) WHERE model_version_id IS NOT NULL")
            #expect(schema.0 == "1.0.0" && schema.1.contains("\(what): feature-schema hash"), "\(schema.1)")

            let format = try servedAfter(
                """
                ALTER TABLE forecast.model_artifacts DROP CONSTRAINT artifact_format_is_known;
                UPDATE forecast.model_artifacts SET format = 'xgboost-json' WHERE model_version_id IS NOT NULL
                """, undo: "UPDATE forecast.model_artifacts SET format = 'xgboost-ubj' WHERE model_version_id IS NOT NULL")
            #expect(format.0 == "1.0.0" && format.1.contains("\(what): format 'xgboost-json' is not the one this build reads (xgboost-ubj)"))

            let bytes = try db.scalar("SELECT encode(artifact, 'hex') FROM forecast.model_artifacts WHERE model_version_id IS NOT NULL", as: String.self)
            let garbage = try servedAfter(
                "UPDATE forecast.model_artifacts SET artifact = 'not a booster', md5 = md5('not a booster'::bytea) WHERE model_version_id IS NOT NULL",
                undo: "UPDATE forecast.model_artifacts SET artifact = decode('\(bytes)', 'hex'), md5 = '\(md5)' WHERE model_version_id IS NOT NULL")
            #expect(garbage.0 == "1.0.0" && garbage.1.contains("\(what): it is not a loadable xgboost-ubj model"), "\(garbage.1)")

            // Restored: production serves again. With nothing that loads, the bootstrap.
            #expect(try Registry.serve(db).modelVersion == "2.0.0")
            let c = try db.connect()
            defer { c.close() }
            #expect(throws: ArtifactRefused.self) {
                try tamper("UPDATE forecast.model_artifacts SET md5 = md5(md5) WHERE model_version_id IS NOT NULL")
                _ = try GlobalTraining.load(.version(global.id), name: "XGBoost", runInputs: nil, schema: SQLIdentifier("demand"), on: c)
            }
        }

        /// Least privilege: the worker role trains (registers candidates) and serves the registry,
        /// but cannot change a stage; promotion is the owner's.
        @Test func theWorkerRoleTrainsAndServesButCannotPromote() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            try db.moveLoads()
            let role = db.workerRole
            let worker = try db.workerURL()
            let gate = try Registry.lenientGateFile()
            defer { try? FileManager.default.removeItem(at: gate) }
            let trained = try CLI.run(
                [
                    "train", "--label", "scheduled retrain", "--model", "moving_average", "--horizon", "7", "--folds", "2",
                    "--gate", gate.path, "--no-progress",
                ], databaseURL: worker)
            #expect(trained.status == 0, "\(trained.stderr)")
            #expect(trained.stdout.contains("train: registered model version 1.0.0 \"scheduled retrain\" as a candidate"), "\(trained.stdout)")
            #expect(try db.scalar("SELECT created_by FROM forecast.model_versions", as: String.self) == role)
            let refused = try CLI.run(["promote", "1.0.0", "--to", "production"], databaseURL: worker)
            #expect(
                refused.status == 78
                    && refused.stderr.contains(
                        "promoting to production or archiving needs the owner of the forecast schema (the worker role registers candidates and puts them in shadow)"
                    ) && refused.stderr.contains("[42501]"), "\(refused.stderr)")
            #expect(try Registry.stage(db, "1.0.0") == "candidate")
            // Shadow is allowed (retrain requests do it), production is not.
            let shadowed = try CLI.run(["promote", "1.0.0", "--to", "shadow"], databaseURL: worker)
            #expect(shadowed.status == 0, "\(shadowed.stderr)")
            let owner = try CLI.run(["promote", "1.0.0", "--to", "production"], databaseURL: db.url)
            #expect(owner.status == 0, "\(owner.stderr)")
            let served = try CLI.run(["run", "--cutoff", "2026-11-27", "--no-progress"], databaseURL: worker)
            #expect(served.status == 0 && served.stdout.contains("model       1.0.0 (production)"), "\(served.stdout)\(served.stderr)")
            #expect(try db.scalar("SELECT min(model_version) FROM forecast.latest", as: String.self) == "1.0.0")
        }
    }
}
