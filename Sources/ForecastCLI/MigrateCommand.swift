import ArgumentParser
import Pipeline

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the numbered migrations in sql/migrations (each once, in one transaction, under a lock), then the roles' grants.",
        discussion: HelpText.paragraphs(
            """
            Roles (cluster-wide) are created with sql/roles/create_roles.sql when this user has CREATEROLE; \
            otherwise migrate says so and exits 0, and a DBA runs that file. sql/roles/grants.sql is applied \
            at every migrate once both roles exist.

            Examples:
              forecastctl migrate
              forecastctl migrate --database-url postgresql://owner@db.internal/forecast
            """))

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let connection = try global.connect()
        defer { connection.close() }
        let migrator = try Migrator(directory: try global.sqlDirectory())
        let report = try migrator.migrate(connection)
        if report.applied.isEmpty {
            print("migrate: up to date (\(report.alreadyApplied) migrations already applied)")
        } else {
            for name in report.applied { print("migrate: applied \(name)") }
            print("migrate: \(report.applied.count) applied, \(report.alreadyApplied) already applied")
        }
        if !report.createdRoles.isEmpty { print("migrate: created roles \(report.createdRoles.joined(separator: ", "))") }
        if report.grantedMonitor {
            print("migrate: granted forecast_reader, forecast_worker and forecast_monitor their privileges (sql/roles/grants.sql, grants_monitor.sql)")
        } else if report.granted {
            print("migrate: granted forecast_reader and forecast_worker their privileges (sql/roles/grants.sql)")
        }
        if !report.missingRoles.isEmpty {
            printErr(
                """
                migrate: notice: roles \(report.missingRoles.joined(separator: ", ")) do not exist and this user may not create them \
                (no CREATEROLE); their grants are pending. Ask a DBA to run sql/roles/create_roles.sql, then run \
                `forecastctl migrate` again.
                """)
        }
    }
}
