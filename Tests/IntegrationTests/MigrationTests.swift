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
                ])
            let second = try migrator.migrate(c)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == TestDatabase.migrationCount)
            #expect(try db.scalar("SELECT count(*) FROM forecast.schema_migrations", as: Int.self) == TestDatabase.migrationCount)
            try migrator.requireUpToDate(c)
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
