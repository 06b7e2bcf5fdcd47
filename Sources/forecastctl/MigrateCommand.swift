import ArgumentParser
import Pipeline

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the numbered migrations in sql/migrations (each once, in one transaction, under a lock).")

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
    }
}
