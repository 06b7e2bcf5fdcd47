extension Connection {
    /// Holds a session-level advisory lock while `body` runs (`pg_advisory_lock`). Blocks until granted.
    public func withAdvisoryLock<T>(_ key: Int64, _ body: () throws -> T) throws -> T {
        try execute(Query("SELECT pg_advisory_lock(\(key))").named("advisory_lock"))
        defer { _ = try? execute(Query("SELECT pg_advisory_unlock(\(key))").named("advisory_unlock")) }
        return try body()
    }

    /// Tries a session-level advisory lock without waiting.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        let row = try query(Query("SELECT pg_try_advisory_lock(\(key)) AS ok").named("try_advisory_lock")).first
        return try row?.decode("ok", as: Bool.self) ?? false
    }
}
