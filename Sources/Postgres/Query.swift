/// A statement plus its bind parameters.
///
/// Safe by construction: every interpolated value becomes a `$n` parameter, so
/// `"SELECT * FROM t WHERE id = \(id)"` never splices `id` into the SQL text. Identifiers from
/// configuration go through `\(ident:)`; raw SQL must be spelled out as `\(unsafeRaw:)` or
/// `Query(unsafeSQL:)`.
public struct Query: Sendable, ExpressibleByStringInterpolation {
    public var sql: String
    public var binds: [String?]
    /// A short name that appears in errors and logs (`claim_work_items`).
    public var name: String?

    public init(unsafeSQL sql: String, binds: [String?] = [], name: String? = nil) {
        self.sql = sql
        self.binds = binds
        self.name = name
    }

    /// Lets `Query("SELECT \(x)").named("n")` read naturally.
    public init(_ query: Query) { self = query }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The same query with a name for error messages.
    public func named(_ name: String) -> Query {
        var copy = self
        copy.name = name
        return copy
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// A bind parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        /// A bind parameter that may be NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresText)
            sql += "$\(binds.count)"
        }

        /// A quoted identifier.
        public mutating func appendInterpolation(ident: SQLIdentifier) { sql += ident.rendered }

        /// SQL text spliced as is. Never pass user input here.
        public mutating func appendInterpolation(unsafeRaw: String) { sql += unsafeRaw }
    }
}
