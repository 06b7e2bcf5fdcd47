import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: use one per worker thread (hence `@unchecked Sendable`,
/// so that a connection can be handed to the thread that will own it).
public final class Connection: @unchecked Sendable {
    let handle: OpaquePointer
    private var closed = false
    /// The session's `statement_timeout` as last set through `setStatementTimeout` (ms).
    private var statementTimeoutMs: Int?
    /// Cursors declared so far (`forEachRow`), for names unique on this connection.
    var cursors = 0

    /// Client-side defaults, each overridden by the same key in the connection string (or by
    /// `PGCONNECT_TIMEOUT`): give up connecting after 10 s instead of waiting forever on a listener
    /// that never answers, and let TCP keepalives notice a vanished server or network within about
    /// a minute instead of hanging on a dead socket.
    public static let defaultParameters: [(String, String)] = [
        ("connect_timeout", "10"), ("keepalives", "1"), ("keepalives_idle", "30"),
        ("keepalives_interval", "10"), ("keepalives_count", "3"),
    ]

    /// Connects with a libpq connection string or URI (`postgresql://user@host:5432/db`).
    /// An empty string uses the standard `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`... variables.
    public static func connect(_ conninfo: String, applicationName: String = "forecastctl") throws -> Connection {
        // Defaults first: with expand_dbname, the keys of the connection string in `dbname` override
        // the ones before it. Both arrays are NULL-terminated, as PQconnectdbParams requires.
        let environment = ProcessInfo.processInfo.environment
        let defaults = defaultParameters.filter { !($0.0 == "connect_timeout" && environment["PGCONNECT_TIMEOUT"] != nil) }
        let keys: [String?] = defaults.map(\.0) + ["dbname", "fallback_application_name", nil]
        let values: [String?] = defaults.map(\.1) + [conninfo, applicationName, nil]
        let handle: OpaquePointer? = withOptionalCStringArray(keys) { k in
            withOptionalCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let handle else {
            throw PostgresError(kind: .connection, message: "out of memory while allocating a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            // libpq quotes what it could not parse, which can be the password: masked (`ConnectionSecrets`).
            let message = ConnectionSecrets.redact(PostgresError.oneLine(String(cString: PQerrorMessage(handle))), conninfo: conninfo)
            PQfinish(handle)
            throw PostgresError(kind: .connection, message: message.isEmpty ? "connection failed" : message)
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        let connection = Connection(handle: handle)
        try connection.execute("SET TimeZone = 'UTC'")
        return connection
    }

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        PQfinish(handle)
    }

    /// Sets the session's `statement_timeout` (a round trip only when it changes). Call it outside
    /// transactions: a rollback would undo the setting behind this connection's back.
    public func setStatementTimeout(seconds: Double) throws {
        let ms = max(1, Int((seconds * 1000).rounded()))
        guard ms != statementTimeoutMs else { return }
        try execute(Query("SELECT set_config('statement_timeout', \(String(ms)), false)").named("set_statement_timeout"))
        statementTimeoutMs = ms
    }

    /// The server's backend process id (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs one parameterized statement and returns all rows (text format).
    @discardableResult
    public func query(_ query: Query) throws -> QueryResult {
        let result =
            query.binds.isEmpty
            ? PQexecParams(handle, query.sql, 0, nil, nil, nil, nil, 0)
            : withOptionalCStringArray(query.binds) { values in
                PQexecParams(handle, query.sql, Int32(query.binds.count), nil, values, nil, nil, 0)
            }
        defer { PQclear(result) }
        try check(result, query: query, expecting: [PGRES_TUPLES_OK, PGRES_COMMAND_OK])
        return QueryResult(result: result!, queryName: query.name)
    }

    /// Runs one parameterized statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: Query) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Runs a script of several statements with the simple query protocol (migrations).
    /// Takes no parameters by design: only for SQL files shipped with the project.
    public func executeScript(unsafeSQL sql: String, name: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, query: Query(unsafeSQL: sql, name: name), expecting: [PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY])
    }

    func check(_ result: OpaquePointer?, query: Query, expecting: [ExecStatusType]) throws {
        guard let result else {
            throw connectionError(query: query)
        }
        let status = PQresultStatus(result)
        if expecting.contains(status) { return }
        if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR {
            throw serverError(result, query: query)
        }
        throw PostgresError(
            kind: .protocolViolation,
            message: "unexpected result status \(String(cString: PQresStatus(status)))",
            queryName: query.name, sql: query.sql)
    }

    func serverError(_ result: OpaquePointer, query: Query) -> PostgresError {
        func field(_ code: Unicode.Scalar) -> String? {
            guard let p = PQresultErrorField(result, Int32(code.value)) else { return nil }
            return String(cString: p)
        }
        let state = field("C").map(SQLState.init)
        let message =
            field("M")
            ?? PostgresError.oneLine(String(cString: PQresultErrorMessage(result)))
        let kind: PostgresError.Kind = (state?.sqlClass == "08" || PQstatus(handle) != CONNECTION_OK) ? .connection : .server
        return PostgresError(
            kind: kind, sqlState: state, message: message,
            detail: field("D"), hint: field("H"),
            queryName: query.name, sql: query.sql)
    }

    func connectionError(query: Query?) -> PostgresError {
        PostgresError(
            kind: .connection, message: PostgresError.oneLine(String(cString: PQerrorMessage(handle))),
            queryName: query?.name, sql: query?.sql)
    }
}

func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let buffers: [UnsafeMutablePointer<CChar>?] = strings.map { s in s.map { strdup($0)! } }
    defer { buffers.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = buffers.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
