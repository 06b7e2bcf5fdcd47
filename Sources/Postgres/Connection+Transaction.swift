extension Connection {
    /// Runs `body` inside BEGIN/COMMIT; rolls back and rethrows on any error.
    public func transaction<T>(isolation: String? = nil, _ body: (Connection) throws -> T) throws -> T {
        try execute(Query(unsafeSQL: isolation.map { "BEGIN ISOLATION LEVEL \($0)" } ?? "BEGIN", name: "begin"))
        do {
            let value = try body(self)
            try execute(Query(unsafeSQL: "COMMIT", name: "commit"))
            return value
        } catch {
            _ = try? execute(Query(unsafeSQL: "ROLLBACK", name: "rollback"))
            throw error
        }
    }

    /// Opens a transaction to be ended by `commit()` or `rollback()` (when its end is decided
    /// elsewhere, e.g. after other connections' work); `readOnly` refuses any write (25006).
    public func begin(readOnly: Bool = false) throws {
        try execute(Query(unsafeSQL: readOnly ? "BEGIN TRANSACTION READ ONLY" : "BEGIN", name: readOnly ? "begin_read_only" : "begin"))
    }

    public func commit() throws { try execute(Query(unsafeSQL: "COMMIT", name: "commit")) }

    public func rollback() throws { try execute(Query(unsafeSQL: "ROLLBACK", name: "rollback")) }

    /// Sets a server setting until the end of the current transaction (`set_config(name, value,
    /// true)`, both bound values): `setLocal("lock_timeout", "10s")`.
    public func setLocal(_ name: String, _ value: String) throws {
        try execute(Query("SELECT set_config(\(name), \(value), true)").named("set_local_\(name)"))
    }

    /// Retries `body` (a whole transaction) on serialization failures and deadlocks.
    public func retrying<T>(attempts: Int = 5, _ body: (Connection) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body(self)
            } catch let error as PostgresError where error.kind == .server && error.isRetryable && attempt < attempts {
                attempt += 1
            }
        }
    }
}
