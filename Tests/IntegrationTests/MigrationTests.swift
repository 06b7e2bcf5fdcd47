import Forecasting
import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Integration {
    @Suite struct Migrations {
        @Test func appliedOnceEvenWhenRunTwice() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            let migrator = try Migrator(directory: TestDatabase.sql)
            let first = try migrator.migrate(c)
            #expect(
                first.applied == [
                    "001_demand_input.sql", "002_forecast_runs.sql", "003_forecasts.sql", "004_roles.sql", "005_backtests.sql", "006_interval_calibrations.sql",
                    "007_model_selections.sql", "008_model_artifacts.sql", "009_backtest_structure_selection.sql", "010_dimension_attributes.sql",
                    "011_served_runs.sql", "012_run_lifecycle_guards.sql", "013_run_activity.sql", "014_run_fallback_series.sql", "015_backtest_snapshot.sql",
                    "016_cutoff_locks.sql", "017_output_pins.sql", "018_model_registry.sql", "019_evaluation.sql", "020_monitoring.sql",
                    "021_service_objectives.sql", "022_run_requests.sql", "023_partitions_and_retention.sql", "024_contract_indexes.sql",
                    "025_side_forecast_paths.sql", "026_run_series_statistics.sql", "027_planned_input_date_indexes.sql", "028_registry_guards.sql",
                    "029_purge_serializes_with_pins.sql", "030_input_completeness_and_validity.sql", "031_backtest_heartbeats.sql",
                    "032_planned_input_known_at.sql", "033_backtest_global_refits.sql", "034_one_queue_vocabulary.sql",
                    "035_run_recipe_checks_operations.sql", "036_queue_events.sql", "037_forecast_quantiles.sql", "038_job_requests.sql",
                    "039_exception_rate.sql", "040_quantile_coverage.sql", "041_latest_by_location.sql", "042_run_category_prices.sql",
                    "043_evaluated_horizons.sql", "044_evaluation_rollups.sql", "045_evaluate_as_owner.sql", "046_monitor_jobs_guard.sql",
                ])
            let second = try migrator.migrate(c)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == TestDatabase.migrationCount)
            #expect(try db.scalar("SELECT count(*) FROM forecast.schema_migrations", as: Int.self) == TestDatabase.migrationCount)
            try migrator.requireUpToDate(c)
        }

        /// Migration 035 splits the configuration of runs stored before it exactly as the worker
        /// splits a new run's (`RunConfig.partsJSON`), and from then on no role edits what made a run's rows.
        @Test func runsStoredBeforeTheSplitGetTheirRecipeChecksAndOperations() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            // The schema as it was before 035: a copy of the migrations up to 034 and the roles.
            let old = FileManager.default.temporaryDirectory.appendingPathComponent("sql-034-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: old) }
            for folder in ["migrations", "roles"] {
                try FileManager.default.createDirectory(at: old.appendingPathComponent(folder), withIntermediateDirectories: true)
                let from = TestDatabase.sql.url.appendingPathComponent(folder)
                for name in try FileManager.default.contentsOfDirectory(atPath: from.path) where folder == "roles" || name < "035" {
                    var text = try String(contentsOf: from.appendingPathComponent(name), encoding: .utf8)
                    // The grants as they were: up to the first section for a migration after 034 ("-- 036 ...").
                    if name == "grants.sql", let later = text.range(of: #"\n-- 0(3[5-9]|[4-9][0-9])"#, options: .regularExpression) {
                        text = String(text[..<later.lowerBound]) + "\n"
                    }
                    try text.write(to: old.appendingPathComponent(folder).appendingPathComponent(name), atomically: true, encoding: .utf8)
                }
            }
            try Migrator(directory: SQLDirectory(url: old)).migrate(c)
            var config = RunConfig(horizon: 14, chunkSize: 40, leaseSeconds: 90)
            config.served = ServedVersion(id: 3, version: "1.2.0")
            config.shadow = ShadowServing(
                version: ServedVersion(id: 4, version: "1.3.0"),
                policy: ForecastPolicy(frequency: .day, horizon: 14, model: ModelSpec(kind: .naive, seasonLength: 7, window: 28), intervalLevel: 0.8))
            config.selection = [.all: ModelSpec(kind: .naive, seasonLength: 7, window: 28)]
            config.calibrationBacktestID = 7
            config.minLandedShare = 0.4
            var plain = RunConfig(horizon: 7)  // no optionals set: absent keys stay absent
            plain.attributes = nil
            for (cutoff, stored) in [("2026-11-20", config), ("2026-11-21", plain)] {
                let json = String(decoding: try JSONEncoder.sorted.encode(stored), as: UTF8.self)
                try c.execute(
                    Query(
                        """
                        INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version)
                        VALUES (\(cutoff)::date, now(), 'day', \(stored.horizon), \(json)::jsonb, 'test', 'test')
                        """))
            }
            try Migrator(directory: TestDatabase.sql).migrate(c)
            for (cutoff, made) in [("2026-11-20", config), ("2026-11-21", plain)] {
                let parts = try made.partsJSON()
                let row = try c.query(
                    Query(
                        """
                        SELECT recipe = \(parts.recipe)::jsonb AS recipe, checks = \(parts.checks)::jsonb AS checks,
                               operations = \(parts.operations)::jsonb AS operations, recipe::text AS stored
                        FROM forecast.runs WHERE cutoff = \(cutoff)::date
                        """)
                ).first!
                let stored = try row.decode("stored", as: String.self)
                #expect(try row.decode("recipe", as: Bool.self), "\(cutoff): \(stored) vs \(parts.recipe)")
                #expect(try row.decode("checks", as: Bool.self) && row.decode("operations", as: Bool.self), "\(cutoff)")
                let recipe = try JSONDecoder().decode(RunConfig.Recipe.self, from: Data(stored.utf8))
                #expect(recipe == made.recipe)
            }
            // What made the rows is fixed, for the worker role (which updates runs' status) too.
            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            for (who, connection) in [("owner", c), ("worker", worker)] {
                for change in ["config = config || '{\"horizon\": 1}'", "recipe = '{}'", "checks = '{}'", "operations = '{}'"] {
                    let error = #expect(throws: PostgresError.self, "\(who): \(change)") {
                        try connection.execute(Query(unsafeSQL: "UPDATE forecast.runs SET \(change) WHERE cutoff = '2026-11-20'"))
                    }
                    #expect(error?.sqlState == SQLState("23000"), "\(who): \(change): \(String(describing: error))")
                }
            }
            try c.execute("UPDATE forecast.runs SET recipe = recipe WHERE cutoff = '2026-11-20'")  // unchanged: allowed
        }

        @Test func concurrentMigratorsDoNotRace() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let errors = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 3) { _ in
                do {
                    let c = try db.connect()
                    defer { c.close() }
                    try Migrator(directory: TestDatabase.sql).migrate(c)
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(errors.withLock { $0 } == [])
            #expect(try db.scalar("SELECT count(*) FROM forecast.schema_migrations", as: Int.self) == TestDatabase.migrationCount)
        }

        @Test func editedMigrationIsRefusedWithItsVersion() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.execute("UPDATE forecast.schema_migrations SET checksum = 'edited' WHERE version = 2")
            let c = try db.connect()
            defer { c.close() }
            let error = #expect(throws: PipelineError.self) { try Migrator(directory: TestDatabase.sql).migrate(c) }
            #expect(error?.description.hasPrefix("migration 2 failed: 002_forecast_runs.sql was changed after it was applied") == true)
        }

        @Test func unmigratedDatabaseIsNamedClearly() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            let error = #expect(throws: PipelineError.self) { try Migrator(directory: TestDatabase.sql).requireUpToDate(c) }
            #expect(error?.description == "migrations: database is not migrated; run `forecastctl migrate` first")
        }
    }
}
