import Forecasting
import Foundation
import Logging
import Postgres

@testable import Pipeline

/// A fresh, migrated database per test on the server named by $TEST_DATABASE_URL (a URI; `make
/// test` and `.ci/run` start a throwaway cluster). Dropped on `drop()`.
final class TestDatabase: @unchecked Sendable {
    let name: String
    let url: String
    let adminURL: String

    static var adminURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty else {
                throw PipelineError.configuration("TEST_DATABASE_URL is not set: run the tests with `make test`")
            }
            return url
        }
    }

    static let sql: SQLDirectory = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return SQLDirectory(url: root.appendingPathComponent("sql"))
    }()

    /// The number of migrations in sql/migrations.
    static let migrationCount: Int = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: sql.url.appendingPathComponent("migrations").path)) ?? []
        return files.filter { $0.hasSuffix(".sql") }.count
    }()

    init(migrate: Bool = true) throws {
        adminURL = try Self.adminURL
        name = "ft_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        guard var components = URLComponents(string: adminURL) else {
            throw PipelineError.configuration("TEST_DATABASE_URL must be a postgresql:// URI")
        }
        components.path = "/" + name
        url = components.string!
        let admin = try Connection.connect(adminURL)
        defer { admin.close() }
        if migrate {
            // A copy of the migrated template (see `template`), with the setting that is the database's own.
            let template = try Self.template.get()
            // FILE_COPY: as fast as the default here, and it writes a few kB of WAL where WAL_LOG
            // writes the whole template (5 MB a copy), which a standby of the test cluster
            // (`StandbyTests`, the failover drill) must replay while the other tests run.
            try admin.execute(
                Query(unsafeSQL: "CREATE DATABASE \(SQLIdentifier(name).rendered) TEMPLATE \(SQLIdentifier(template).rendered) STRATEGY FILE_COPY"))
            try admin.execute(Query(unsafeSQL: "ALTER DATABASE \(SQLIdentifier(name).rendered) SET jit = off"))
        } else {
            try admin.execute(Query(unsafeSQL: "CREATE DATABASE \(SQLIdentifier(name).rendered)"))
        }
    }

    /// A database migrated once per text of `sql/migrations` and `sql/roles` (named by their md5)
    /// and copied for every test (`CREATE DATABASE ... TEMPLATE`): a copy takes about 0.2 s where
    /// migrating a new database took 0.5 s, about a hundred times a suite. The migrations change
    /// nothing outside their database but its `jit` setting (migration 023), which a copy does not
    /// inherit and `init` sets; the roles are the cluster's. Kept for the next run on the same
    /// server; templates of older texts are dropped when a new one is made. Made under an advisory
    /// lock, migrated under another name and renamed when complete, so that concurrent test
    /// processes neither race nor copy a half-migrated template.
    static let template = Result { () throws -> String in
        let admin = try Connection.connect(try adminURL)
        defer { admin.close() }
        var text = ""
        for folder in ["migrations", "roles"] {
            let directory = sql.url.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".sql") {
                text += file + "\n" + (try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)) + "\n"
            }
        }
        guard let digest = try admin.query(Query("SELECT md5(\(text)) AS d")).first else { throw PipelineError.configuration("no md5") }
        let name = "ft_template_" + String(try digest.decode("d", as: String.self).prefix(16))
        _ = try admin.query(Query("SELECT pg_advisory_lock(hashtext('forecast test template'))"))
        defer { _ = try? admin.query(Query("SELECT pg_advisory_unlock(hashtext('forecast test template'))")) }
        let existing: [String] = try admin.query(Query("SELECT datname FROM pg_database WHERE datname LIKE 'ft\\_template\\_%' ORDER BY 1")).rows.map {
            try $0.decode("datname")
        }
        if existing.contains(name) { return name }
        for old in existing { _ = try? admin.execute(Query(unsafeSQL: "DROP DATABASE IF EXISTS \(SQLIdentifier(old).rendered) WITH (FORCE)")) }
        let building = SQLIdentifier(name + "_partial").rendered
        try admin.execute(Query(unsafeSQL: "CREATE DATABASE \(building)"))
        var components = URLComponents(string: try adminURL)
        components?.path = "/" + name + "_partial"
        guard let url = components?.string else { throw PipelineError.configuration("TEST_DATABASE_URL must be a postgresql:// URI") }
        let c = try Connection.connect(url)
        defer { c.close() }
        try Migrator(directory: sql).migrate(c)
        c.close()
        try admin.execute(Query(unsafeSQL: "ALTER DATABASE \(building) RENAME TO \(SQLIdentifier(name).rendered)"))
        return name
    }

    func connect() throws -> Connection { try Connection.connect(url) }

    var connector: @Sendable () throws -> Connection {
        let url = self.url
        return { try Connection.connect(url) }
    }

    func drop() {
        guard let admin = try? Connection.connect(adminURL) else { return }
        defer { admin.close() }
        _ = try? admin.execute(Query(unsafeSQL: "DROP DATABASE IF EXISTS \(SQLIdentifier(name).rendered) WITH (FORCE)"))
        _ = try? admin.execute(Query(unsafeSQL: "DROP ROLE IF EXISTS \(SQLIdentifier(workerRole).rendered)"))
        _ = try? admin.execute(Query(unsafeSQL: "DROP ROLE IF EXISTS \(SQLIdentifier(readerRole).rendered)"))
        _ = try? admin.execute(Query(unsafeSQL: "DROP ROLE IF EXISTS \(SQLIdentifier(monitorRole).rendered)"))
    }

    /// A login role in `forecast_worker` for this database (dropped with it).
    var workerRole: String { "\(name)_w" }

    /// The database URL as `workerRole`, created on first use (`options`: e.g. "CONNECTION LIMIT 3").
    func workerURL(options: String = "") throws -> String { try loginURL(workerRole, in: "forecast_worker", options: options) }

    /// A login role in `forecast_monitor` for this database (dropped with it).
    var monitorRole: String { "\(name)_m" }

    /// The database URL as `monitorRole`, created on first use.
    func monitorURL() throws -> String { try loginURL(monitorRole, in: "forecast_monitor") }

    /// A login role in `forecast_reader` for this database (dropped with it).
    var readerRole: String { "\(name)_r" }

    /// The database URL as `readerRole`, created on first use.
    func readerURL() throws -> String { try loginURL(readerRole, in: "forecast_reader") }

    /// The database URL as `login`, a login role in `group` created on first use.
    private func loginURL(_ login: String, in group: String, options: String = "") throws -> String {
        try execute(
            Query(
                unsafeSQL: """
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(login)') THEN
                            CREATE ROLE \(SQLIdentifier(login).rendered) LOGIN \(options) IN ROLE \(group);
                        END IF;
                    END $$
                    """))
        var components = URLComponents(string: url)!
        components.user = login
        return components.string!
    }

    /// Small demo catalogue: 30 items x 3 locations x 120 days ending on `Fixtures.end`.
    func loadDemo(items: Int = 30, locations: Int = 3, days: Int = 120, seed: UInt64 = 7) throws {
        let c = try connect()
        defer { c.close() }
        _ = try DemoLoader(spec: DemoSpec(items: items, locations: locations, days: days, end: Fixtures.end, seed: seed)).load(on: c)
    }

    /// For tests whose runs take their as-of from the clock (a daemon's, or `run` without
    /// `--as-of`, as the runbook says it): every load moves by the same amount so that the newest
    /// was `ago` (a PostgreSQL interval) before now. An hour ago, the freshness contract (36 h)
    /// holds on whatever day the suite runs; the demo's fixed load times go stale 36 h after they
    /// were made.
    func moveLoads(newestAgo ago: String = "1 hour") throws {
        let c = try connect()
        defer { c.close() }
        try Self.moveLoads(newestAgo: ago, on: c)
    }

    static func moveLoads(newestAgo ago: String = "1 hour", on c: Connection) throws {
        try c.execute(
            Query(
                """
                UPDATE demand.sales SET loaded_at = loaded_at + (now() - \(ago)::interval - (SELECT max(loaded_at) FROM demand.sales))
                """))
    }

    func scalar<T: PostgresDecodable>(_ sql: Query, as type: T.Type = T.self) throws -> T {
        let c = try connect()
        defer { c.close() }
        guard let row = try c.query(sql).first else { throw PipelineError.configuration("no row") }
        return try row.decode(at: 0, as: type)
    }

    /// Runs a statement; without binds, a script of several statements.
    func execute(_ sql: Query) throws {
        let c = try connect()
        defer { c.close() }
        if sql.binds.isEmpty {
            try c.executeScript(unsafeSQL: sql.sql, name: "test_script")
        } else {
            try c.execute(sql)
        }
    }

    /// The canonical rows of a run, minus run_id and generated_at, as text with exact float bits.
    func forecastRows(run: Int64) throws -> [String] {
        let c = try connect()
        defer { c.close() }
        return try c.query(
            Query(
                """
                SELECT concat_ws('|', item_id, location_id, ds, horizon, float8send(yhat), float8send(yhat_lower),
                                 float8send(yhat_upper), interval_level, model_name, model_version, cutoff) AS r
                FROM forecast.forecasts WHERE run_id = \(run) ORDER BY item_id, location_id, ds
                """)
        ).rows.map { try $0.decode("r") }
    }
}

enum Fixtures {
    static let end = PostgresDate(iso: "2026-11-27")!
    static let asOf = PostgresTimestamp(text: "2026-11-28T06:00:00Z")!

    static func options(
        horizon: Int = 14, workers: Int = 2, force: Bool = false, chunkSize: Int = 20,
        frequency: Frequency = .day, cutoff: PostgresDate = end, asOf: PostgresTimestamp = asOf,
        lease: Double = 60
    ) -> RunCoordinator.Options {
        RunCoordinator.Options(
            cutoff: cutoff, asOf: asOf,
            config: RunConfig(
                horizon: horizon, frequency: frequency, chunkSize: chunkSize,
                leaseSeconds: lease, heartbeatSeconds: min(10, lease / 3)),
            workers: workers, force: force, showProgress: false)
    }

    static func coordinator(_ db: TestDatabase) -> RunCoordinator {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return RunCoordinator(sql: TestDatabase.sql, logger: logger, connect: db.connector)
    }
}
