import ArgumentParser
import Escaping
import Forecasting
import Foundation
import Logging
import Pipeline
import Postgres

struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq connection string or URI (default: $DATABASE_URL, else the PG* variables).")
    var databaseURL: String?

    @Option(name: .customLong("sql-dir"), help: "Folder with migrations/ and contracts/ (default: $FORECAST_SQL_DIR, else ./sql found upwards).")
    var sqlDir: String?

    @Flag(name: .shortAndLong, help: "Log progress details to stderr.")
    var verbose = false

    var conninfo: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }

    func connector() -> @Sendable () throws -> Connection {
        let info = conninfo
        return { try Connection.connect(info) }
    }

    func connect() throws -> Connection { try Connection.connect(conninfo) }

    /// A connection to a database whose migrations are all applied (else exit 78 naming `migrate`).
    func migratedConnection() throws -> Connection {
        let connection = try connect()
        do {
            try Migrator(directory: try sqlDirectory()).requireUpToDate(connection)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    func sqlDirectory() throws -> SQLDirectory { try SQLDirectory.locate(explicit: sqlDir) }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .warning
        return logger
    }
}

/// Parses `YYYY-MM-DD`, or `today` / `yesterday` (UTC) for schedulers.
extension PostgresDate: ExpressibleByArgument {
    public init?(argument: String) {
        let today = Int(Date().timeIntervalSince1970 / 86400)
        switch argument {
        case "today": self.init(unixDays: today)
        case "yesterday": self.init(unixDays: today - 1)
        default: self.init(iso: argument)
        }
    }
}

/// Parses `2026-11-28T06:00:00Z`, `2026-11-28 06:00:00+00` or a bare date (midnight UTC).
extension PostgresTimestamp: ExpressibleByArgument {
    public init?(argument: String) {
        if let t = PostgresTimestamp(text: argument) {
            self = t
            return
        }
        guard let d = PostgresDate(iso: argument) else { return nil }
        self.init(date: d)
    }
}

extension Frequency: ExpressibleByArgument {}
extension ModelSpec.Kind: ExpressibleByArgument {}
extension SelectionMetric: ExpressibleByArgument {}
extension StructureSelection: ExpressibleByArgument {}

/// One line on stderr. Warnings and notes quote values from the tables (contract samples, segment
/// names): JSON escapes C0 controls but not C1 ones (U+009B is a CSI) or bidi overrides, so every
/// line goes through `Escape.terminal`.
func printErr(_ s: String) { FileHandle.standardError.write(Data((Escape.terminal(s) + "\n").utf8)) }
