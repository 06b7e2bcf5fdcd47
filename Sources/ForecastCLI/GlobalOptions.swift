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
        let unsaid = Self.nothingSaysWhere(databaseURL: databaseURL)
        return { try Self.connect(info, unsaid: unsaid) }
    }

    func connect() throws -> Connection { try Self.connect(conninfo, unsaid: Self.nothingSaysWhere(databaseURL: databaseURL)) }

    /// Neither a flag, nor $DATABASE_URL, nor a PG* variable says which database: libpq then tries
    /// its default socket, and its error names only that socket.
    static func nothingSaysWhere(databaseURL: String?) -> Bool {
        let env = ProcessInfo.processInfo.environment
        let named = [databaseURL, env["DATABASE_URL"]] + ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"].map { env[$0] }
        return named.allSatisfy { ($0 ?? "").isEmpty }
    }

    /// Connects; when nothing said where, a failure says how to say it.
    static func connect(_ conninfo: String, unsaid: Bool) throws -> Connection {
        do {
            return try Connection.connect(conninfo)
        } catch var error as PostgresError where error.kind == .connection && unsaid {
            error.detail = [error.detail, "no database was given: set DATABASE_URL or pass --database-url, e.g. postgresql://user@host:5432/db"]
                .compactMap { $0 }.joined(separator: "; ")
            throw error
        }
    }

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
