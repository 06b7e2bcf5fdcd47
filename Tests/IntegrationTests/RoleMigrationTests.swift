import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Integration.Migrations {
    /// An amended migration is accepted where its old text was applied only when it names the
    /// old checksum; any other change is still refused.
    @Test func anAmendedMigrationMustNameTheChecksumItReplaces() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        let c = try db.connect()
        defer { c.close() }
        try c.execute("UPDATE forecast.schema_migrations SET checksum = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' WHERE version = 5")
        let error = #expect(throws: PipelineError.self) { try Migrator(directory: TestDatabase.sql).migrate(c) }
        #expect("\(error!)".contains("005_backtests.sql was changed after it was applied"))
        let previous = try #require(try Migrator(directory: TestDatabase.sql).migrations.first { $0.version == 5 }?.previousChecksums.first)
        try c.execute(Query("UPDATE forecast.schema_migrations SET checksum = \(previous) WHERE version = 5"))
        #expect(try Migrator(directory: TestDatabase.sql).migrate(c).alreadyApplied == TestDatabase.migrationCount)
    }
}

extension Alone {
    /// Renames the project's roles away for a while: no other test may run meanwhile.
    @Suite struct RoleMigrations {
        /// A database owner without CREATEROLE can migrate: while the project's roles do not exist
        /// (here: renamed away for the test, roles being cluster-wide) `migrate` creates the schema,
        /// says which roles are missing and which file a DBA runs (exit 0); once they exist, the next
        /// `migrate` applies every grant. A superuser's migrate creates missing roles itself.
        @Test func anOwnerWithoutCreateroleMigratesAndGrantsFollowTheRoles() throws {
            let admin = try Connection.connect(try TestDatabase.adminURL)
            defer { admin.close() }
            let db = try TestDatabase(migrate: false)
            let owner = "fc_owner_" + db.name.suffix(8)
            defer {
                db.drop()
                _ = try? admin.execute(Query(unsafeSQL: "DROP ROLE IF EXISTS \(SQLIdentifier(owner).rendered)"))
            }
            try admin.execute(Query(unsafeSQL: "CREATE ROLE \(SQLIdentifier(owner).rendered) LOGIN NOCREATEROLE NOSUPERUSER"))
            try admin.execute(Query(unsafeSQL: "ALTER DATABASE \(SQLIdentifier(db.name).rendered) OWNER TO \(SQLIdentifier(owner).rendered)"))
            var components = URLComponents(string: db.url)!
            components.user = owner
            let ownerURL = components.string!

            let roles = ["forecast_monitor", "forecast_reader", "forecast_worker"]
            for role in roles { try admin.execute(Query(unsafeSQL: "ALTER ROLE \(role) RENAME TO \(role)_away")) }
            var renamed = true
            defer {
                if renamed {
                    for role in roles { _ = try? admin.execute(Query(unsafeSQL: "ALTER ROLE \(role)_away RENAME TO \(role)")) }
                }
            }
            let first = try CLI.run(["migrate"], databaseURL: ownerURL)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("migrate: \(TestDatabase.migrationCount) applied, 0 already applied"))
            #expect(first.stderr.contains("roles forecast_monitor, forecast_reader, forecast_worker do not exist and this user may not create them"))
            #expect(first.stderr.contains("sql/roles/create_roles.sql"))
            #expect(try db.scalar("SELECT count(*) FROM forecast.schema_migrations", as: Int.self) == TestDatabase.migrationCount)

            // The reader and the worker back, the monitor role not yet (a DBA of an older cluster):
            // their grants apply, the monitor's wait; the worker may evaluate and may not write alerts.
            for role in roles.dropFirst() { try admin.execute(Query(unsafeSQL: "ALTER ROLE \(role)_away RENAME TO \(role)")) }
            let partial = try CLI.run(["migrate"], databaseURL: ownerURL)
            #expect(partial.status == 0, "\(partial.stderr)")
            #expect(
                partial.stdout.contains("migrate: granted forecast_reader and forecast_worker their privileges (sql/roles/grants.sql)\n"), "\(partial.stdout)")
            #expect(partial.stderr.contains("roles forecast_monitor do not exist"), "\(partial.stderr)")
            #expect(
                try db.scalar(
                    """
                    SELECT has_function_privilege('forecast_worker', 'forecast.evaluate_landed(text, text)', 'EXECUTE')
                       AND NOT has_table_privilege('forecast_worker', 'forecast.alerts', 'UPDATE')
                    """, as: Bool.self))
            try admin.execute("ALTER ROLE forecast_monitor_away RENAME TO forecast_monitor")
            renamed = false
            let second = try CLI.run(["migrate"], databaseURL: ownerURL)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("migrate: up to date (\(TestDatabase.migrationCount) migrations already applied)"))
            #expect(second.stdout.contains("migrate: granted forecast_reader, forecast_worker and forecast_monitor their privileges"))
            #expect(second.stderr.isEmpty, "\(second.stderr)")
            #expect(
                try db.scalar(
                    """
                    SELECT has_table_privilege('forecast_worker', 'forecast.forecasts', 'INSERT')
                       AND NOT has_table_privilege('forecast_worker', 'forecast.forecasts', 'UPDATE')
                       AND has_table_privilege('forecast_reader', 'forecast.latest', 'SELECT')
                       AND NOT has_table_privilege('forecast_reader', 'forecast.runs', 'SELECT')
                       AND has_table_privilege('forecast_monitor', 'forecast.alerts', 'INSERT, UPDATE')
                       AND NOT has_table_privilege('forecast_worker', 'forecast.alerts', 'INSERT, UPDATE')
                       AND pg_has_role('forecast_monitor', 'forecast_worker', 'USAGE')
                    """, as: Bool.self))
        }
    }
}
