/// Where binary COPY rows go: a table and its columns in the order rows are encoded, in one value,
/// so the statement and the encoder cannot drift apart (`BinaryCopyWriter.beginRow(layout)`
/// takes the field count from it). Every name is quoted (`SQLIdentifier`), so the statements
/// built here are safe by construction.
public struct CopyLayout: Sendable {
    public let schema: SQLIdentifier
    public let table: String
    public let columns: [String]

    public init(schema: SQLIdentifier, table: String, columns: [String]) {
        self.schema = schema
        self.table = table
        self.columns = columns
    }

    /// `"col_a", "col_b"`: for an `INSERT INTO t (...) SELECT ...` of the same columns.
    public var columnList: Query {
        Query(unsafeSQL: columns.map { SQLIdentifier($0).rendered }.joined(separator: ", "))
    }

    /// `COPY "schema"."table" ("col_a", ...) FROM STDIN (FORMAT binary)`.
    public var copyIn: Query {
        Query(
            unsafeSQL: "COPY \(SQLIdentifier.qualified(schema, table)) (\(columnList.sql)) FROM STDIN (FORMAT binary)",
            name: "copy_\(table)")
    }
}

extension BinaryCopyWriter {
    /// Starts a row of `layout` (its field count).
    public mutating func beginRow(_ layout: CopyLayout) { beginRow(fieldCount: layout.columns.count) }
}

extension Connection {
    /// Binary COPY of `data` (rows encoded for `layout`) into the layout's table; returns the rows copied.
    @discardableResult
    public func copyIn(_ layout: CopyLayout, data: BinaryCopyWriter) throws -> Int {
        try copyIn(layout.copyIn, data: data)
    }
}
