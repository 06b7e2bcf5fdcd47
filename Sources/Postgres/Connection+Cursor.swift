import CLibPQ

extension Connection {
    /// Whether a transaction is open on this connection (also when it is aborted by an error).
    public var inTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Runs a parameterized SELECT through a server-side cursor and calls `body` once per row,
    /// `batch` rows fetched at a time. `query` keeps every whole result in memory twice (libpq's
    /// buffer and the copied `QueryResult`), so a result with a row per series grows a process with
    /// the series count; here at most one batch is held. A cursor lives in a
    /// transaction: inside one it uses it, otherwise it opens one (read only) and ends it. The
    /// cursor is closed whichever way it ends (an error inside `body` rolls back the transaction
    /// it opened, and leaves the caller's alone for the caller to end).
    public func forEachRow(_ query: Query, batch: Int = 10_000, _ body: (Row) throws -> Void) throws {
        precondition(batch >= 1, "a cursor fetches at least one row at a time")
        guard !inTransaction else { return try rowsThroughCursor(query, batch: batch, body) }
        try begin(readOnly: true)
        do {
            try rowsThroughCursor(query, batch: batch, body)
            try commit()
        } catch {
            _ = try? rollback()
            throw error
        }
    }

    private func rowsThroughCursor(_ query: Query, batch: Int, _ body: (Row) throws -> Void) throws {
        cursors += 1
        // Ours alone: a name from a counter, never from input.
        let cursor = "forecast_rows_\(cursors)"
        var declare = query
        declare.sql = "DECLARE \(cursor) NO SCROLL CURSOR FOR " + query.sql
        try execute(declare)
        var failure: Error?
        do {
            while true {
                let rows = try self.query(Query(unsafeSQL: "FETCH FORWARD \(batch) FROM \(cursor)", name: query.name)).rows
                for row in rows { try body(row) }
                if rows.count < batch { break }
            }
        } catch {
            failure = error
        }
        // After an error the transaction may be aborted (CLOSE fails then; the rollback closes it).
        if PQtransactionStatus(handle) == PQTRANS_INTRANS {
            _ = try? execute(Query(unsafeSQL: "CLOSE \(cursor)", name: "close_cursor"))
        }
        if let failure { throw failure }
    }
}
