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

        /// Another query as a fragment: its `$n` placeholders are renumbered after this query's
        /// binds, so safe pieces compose into a safe whole. (Fragments must not contain `$` in
        /// string literals or dollar quotes.)
        public mutating func appendInterpolation(_ fragment: Query) {
            let offset = binds.count
            var out = ""
            var chars = Substring(fragment.sql)
            while let dollar = chars.firstIndex(of: "$") {
                out += chars[chars.startIndex..<dollar]
                let digits = chars[chars.index(after: dollar)...].prefix { $0.isNumber }
                if let n = Int(digits) {
                    out += "$\(n + offset)"
                } else {
                    out += "$"
                }
                chars = chars[chars.index(dollar, offsetBy: 1 + digits.count)...]
            }
            out += chars
            sql += out
            binds += fragment.binds
        }

        /// SQL text spliced as is. Never pass user input here.
        public mutating func appendInterpolation(unsafeRaw: String) { sql += unsafeRaw }
    }
}
