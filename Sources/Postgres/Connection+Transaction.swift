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
