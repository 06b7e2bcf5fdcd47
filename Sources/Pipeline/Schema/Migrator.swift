import Postgres

/// Applies `sql/migrations/NNN_name.sql` in order, forward-only. Each file runs in one
/// transaction together with its row in `forecast.schema_migrations`, under an advisory lock so
/// two migrators cannot race. An applied file whose checksum changed is an error, not a re-run,
/// unless the file lists the applied checksum in a `-- previous-checksum: <md5>` line (an
/// amendment that changes nothing for databases that applied the old text, declared in the file).
///
/// Then the roles: created with `sql/roles/create_roles.sql` when missing and this user may
/// create roles; otherwise reported (a DBA runs that file). Once forecast_reader and
/// forecast_worker exist, `sql/roles/grants.sql` is applied (idempotent), and
/// `grants_monitor.sql` once forecast_monitor exists too, so a database owner without CREATEROLE
/// can migrate, and grants follow as soon as the roles are there.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
        /// Checksums of earlier texts of this file that count as applied (`-- previous-checksum:` lines).
        public var previousChecksums: Set<String> {
            Set(
                sql.split(separator: "\n").compactMap { line in
                    line.hasPrefix("-- previous-checksum:") ? line.dropFirst("-- previous-checksum:".count).trimmed : nil
                })
        }
    }

    /// The project's roles (`sql/roles`).
    public static let roles = ["forecast_monitor", "forecast_reader", "forecast_worker"]

    public static let lockKey: Int64 = 0x0F0C_A57_0001

    public let migrations: [Migration]
    let directory: SQLDirectory

    public init(directory: SQLDirectory) throws {
        self.directory = directory
        var seen = Set<Int>()
        migrations = try directory.files(in: directory.migrations).map { file in
            guard let version = Int(file.name.prefix { $0.isNumber }), file.name.first?.isNumber == true else {
                throw PipelineError.configuration("migration file \(file.name) must start with its number, e.g. 001_init.sql")
            }
            guard seen.insert(version).inserted else {
                throw PipelineError.configuration("two migration files have number \(version)")
            }
            return Migration(version: version, name: file.name, sql: file.text)
        }
    }

    public struct Report: Sendable {
        public var applied: [String] = []
        public var alreadyApplied = 0
        /// Roles this migrate created.
        public var createdRoles: [String] = []
        /// Roles that do not exist and this user may not create: grants wait for them.
        public var missingRoles: [String] = []
        /// Whether `sql/roles/grants.sql` was applied (forecast_reader and forecast_worker exist).
        public var granted = false
        /// Whether `sql/roles/grants_monitor.sql` was applied (forecast_monitor exists too).
        public var grantedMonitor = false
    }

    @discardableResult
    public func migrate(_ connection: Connection) throws -> Report {
        try connection.withAdvisoryLock(Self.lockKey) {
            try connection.executeScript(
                unsafeSQL: """
                    CREATE SCHEMA IF NOT EXISTS forecast;
                    CREATE TABLE IF NOT EXISTS forecast.schema_migrations (
                        version    integer PRIMARY KEY,
                        name       text NOT NULL,
                        checksum   text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
                    );
                    """, name: "bootstrap_schema_migrations")
            let applied = try appliedChecksums(connection)
            var report = Report()
            for migration in migrations {
                let checksum = try md5(connection, migration.sql)
                if let existing = applied[migration.version] {
                    guard existing == checksum || migration.previousChecksums.contains(existing) else {
                        throw PipelineError.migration(
                            version: migration.version,
                            message: "\(migration.name) was changed after it was applied (checksum \(existing) != \(checksum)); add a new migration instead")
                    }
                    report.alreadyApplied += 1
                    continue
                }
                do {
                    try connection.transaction { tx in
                        try tx.executeScript(unsafeSQL: migration.sql, name: migration.name)
                        try tx.execute(
                            Query(
                                """
                                INSERT INTO forecast.schema_migrations (version, name, checksum)
                                VALUES (\(migration.version), \(migration.name), \(checksum))
                                """
                            ).named("record_migration"))
                    }
                } catch let error as PostgresError {
                    throw PipelineError.migration(version: migration.version, message: "\(migration.name): \(error)")
                }
                report.applied.append(migration.name)
            }
            try applyRoles(connection, into: &report)
            return report
        }
    }

    /// Creates missing roles when permitted, then applies the grants of the roles that exist.
    func applyRoles(_ connection: Connection, into report: inout Report) throws {
        func missing() throws -> [String] {
            try connection.query(
                Query(
                    """
                    SELECT r AS role FROM unnest(\(Self.roles)::text[]) r WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) ORDER BY r
                    """
                ).named("missing_roles")
            ).rows.map { try $0.decode("role", as: String.self) }
        }
        var absent = try missing()
        if !absent.isEmpty {
            let mayCreate =
                try connection.query(
                    Query(
                        """
                        SELECT rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user
                        """
                    ).named("may_create_roles")
                ).first?.decode("ok", as: Bool.self) ?? false
            if mayCreate {
                try connection.executeScript(unsafeSQL: try directory.text(of: "roles/create_roles.sql"), name: "create_roles.sql")
                report.createdRoles = absent
                absent = try missing()
            }
        }
        report.missingRoles = absent
        // The reader's and the worker's grants need both; the monitor's need it too. A database
        // whose DBA has not created forecast_monitor yet keeps the others' grants current.
        guard !absent.contains("forecast_reader") && !absent.contains("forecast_worker") else { return }
        var files = ["grants.sql"]
        if !absent.contains("forecast_monitor") { files.append("grants_monitor.sql") }
        for file in files {
            let grants = try directory.text(of: "roles/\(file)")
            do {
                try connection.transaction { tx in try tx.executeScript(unsafeSQL: grants, name: file) }
            } catch let error as PostgresError {
                throw PipelineError.migration(version: nil, message: "\(file): \(error)")
            }
        }
        report.granted = true
        report.grantedMonitor = files.count == 2
    }

    /// Fails with a clear message when the database is behind this binary's migrations.
    public func requireUpToDate(_ connection: Connection) throws {
        let exists =
            try connection.query(
                Query("SELECT to_regclass('forecast.schema_migrations') IS NOT NULL AS ok")
                    .named("check_migrations_table")
            ).first?.decode("ok", as: Bool.self) ?? false
        guard exists else {
            throw PipelineError.migration(version: nil, message: "database is not migrated; run `forecastctl migrate` first")
        }
        let applied = try appliedChecksums(connection)
        let missing = migrations.filter { applied[$0.version] == nil }.map(\.name)
        guard missing.isEmpty else {
            throw PipelineError.migration(version: nil, message: "pending migrations \(missing.joined(separator: ", ")); run `forecastctl migrate` first")
        }
    }

    func appliedChecksums(_ connection: Connection) throws -> [Int: String] {
        var out: [Int: String] = [:]
        for row in try connection.query(Query("SELECT version, checksum FROM forecast.schema_migrations").named("list_migrations")).rows {
            out[try row.decode("version", as: Int.self)] = try row.decode("checksum", as: String.self)
        }
        return out
    }

    func md5(_ connection: Connection, _ text: String) throws -> String {
        try connection.query(Query("SELECT md5(\(text)) AS sum").named("migration_checksum")).first!.decode("sum", as: String.self)
    }
}
