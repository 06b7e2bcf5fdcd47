import CLibPQ

extension Connection {
    /// Streams a binary COPY payload into the server:
    /// `COPY t (cols) FROM STDIN (FORMAT binary)`. Returns the number of rows the server stored.
    /// On a bad row the server's error is thrown and the connection stays usable.
    @discardableResult
    public func copyIn(_ statement: Query, data: BinaryCopyWriter) throws -> Int {
        precondition(statement.binds.isEmpty, "COPY takes no bind parameters")
        let start = PQexec(handle, statement.sql)
        let status = start.map(PQresultStatus)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            try check(start, query: statement, expecting: [PGRES_COPY_IN])
        } else {
            PQclear(start)
        }
        // The rows, then the trailer, sent from the writer's own buffer (`finished()` would copy it:
        // a backtest fold's rows of 100k series are about 0.3 GB).
        let chunk = 1 << 20
        var failure: PostgresError?
        for part in [data.bytes, BinaryCopyWriter.trailer] where failure == nil {
            part.withUnsafeBufferPointer { buffer in
                var sent = 0
                while sent < buffer.count {
                    let n = min(chunk, buffer.count - sent)
                    let rc = buffer.baseAddress!.advanced(by: sent).withMemoryRebound(to: CChar.self, capacity: n) {
                        PQputCopyData(handle, $0, Int32(n))
                    }
                    if rc != 1 {
                        failure = connectionError(query: statement)
                        return
                    }
                    sent += n
                }
            }
        }
        if let failure {
            drainResults()
            throw failure
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionError(query: statement) }
        return try finishCopy(statement)
    }

    /// Runs `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and calls `onRow` once per row.
    /// COPY cannot take bind parameters: pass values through `set_config(..., true)` inside a
    /// transaction and read them in the query with `current_setting(...)`.
    public func copyOut(_ statement: Query, onRow: (inout BinaryCopyRow) throws -> Void) throws {
        precondition(statement.binds.isEmpty, "COPY takes no bind parameters")
        let start = PQexec(handle, statement.sql)
        if start.map(PQresultStatus) != PGRES_COPY_OUT {
            defer { PQclear(start) }
            try check(start, query: statement, expecting: [PGRES_COPY_OUT])
        } else {
            PQclear(start)
        }
        var first = true
        var rowError: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let n = PQgetCopyData(handle, &buffer, 0)
            if n == -1 { break }  // done
            if n == -2 { throw connectionError(query: statement) }
            guard let buffer else { continue }
            defer { PQfreemem(buffer) }
            if rowError != nil { continue }  // keep draining so the connection stays usable
            let raw = UnsafeRawBufferPointer(start: buffer, count: Int(n))
            var offset = 0
            if first {
                first = false
                offset = 19  // signature (11) + flags (4) + header extension length (4), extension assumed empty
            }
            guard raw.count >= offset + 2 else { continue }
            let fieldCount = Int(Int16(bitPattern: UInt16(raw[offset]) << 8 | UInt16(raw[offset + 1])))
            if fieldCount == -1 { continue }  // trailer
            var row = BinaryCopyRow(base: raw, offset: offset + 2, fieldCount: fieldCount)
            do { try onRow(&row) } catch { rowError = error }
        }
        _ = try finishCopy(statement)
        if let rowError { throw rowError }
    }

    func finishCopy(_ statement: Query) throws -> Int {
        var affected = 0
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if firstError == nil {
                firstError = serverError(result, query: statement)
            }
        }
        if let firstError { throw firstError }
        return affected
    }

    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}
