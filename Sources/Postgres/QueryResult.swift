import CLibPQ

/// The rows of one statement, copied out of libpq's result (text format).
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    public let affectedRows: Int

    init(result: OpaquePointer, queryName: String?) {
        let nFields = Int(PQnfields(result)), nRows = Int(PQntuples(result))
        var columns: [String] = []
        columns.reserveCapacity(nFields)
        for c in 0..<nFields { columns.append(String(cString: PQfname(result, Int32(c)))) }
        var index: [String: Int] = [:]
        for (i, name) in columns.enumerated() where index[name] == nil { index[name] = i }
        var rows: [Row] = []
        rows.reserveCapacity(nRows)
        for r in 0..<nRows {
            var values: [String?] = []
            values.reserveCapacity(nFields)
            for c in 0..<nFields {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(Row(values: values, columnIndex: index, queryName: queryName))
        }
        self.columns = columns
        self.rows = rows
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public var first: Row? { rows.first }
}

/// One result row. Decode columns by name or position.
public struct Row: Sendable {
    public let values: [String?]
    let columnIndex: [String: Int]
    let queryName: String?

    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw PostgresError(kind: .decoding, message: "column \(column) is NULL, expected \(T.self)", queryName: queryName)
        }
        return value
    }

    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        guard let i = columnIndex[column] else {
            throw PostgresError(kind: .decoding, message: "no column named \(column)", queryName: queryName)
        }
        return try decodeIfPresent(at: i, as: type)
    }

    public func decode<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
        guard let value = try decodeIfPresent(at: index, as: type) else {
            throw PostgresError(kind: .decoding, message: "column \(index) is NULL, expected \(T.self)", queryName: queryName)
        }
        return value
    }

    public func decodeIfPresent<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T? {
        guard index < values.count else {
            throw PostgresError(kind: .decoding, message: "no column \(index) (row has \(values.count))", queryName: queryName)
        }
        guard let text = values[index] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(kind: .decoding, message: "cannot read '\(text)' as \(T.self)", queryName: queryName)
        }
        return value
    }
}
