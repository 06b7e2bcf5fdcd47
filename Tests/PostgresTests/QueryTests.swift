import Testing

@testable import Postgres

struct QueryTests {
    @Test func interpolatedValuesBecomeBinds() {
        let name = "x'; DROP TABLE t; --"
        let q: Query = "SELECT * FROM t WHERE a = \(name) AND b = \(42) AND c = \(Optional<Int>.none)"
        #expect(q.sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3")
        #expect(q.binds == [name, "42", nil])
    }

    @Test func fragmentsComposeWithRenumberedBinds() {
        let fragment: Query = "WITH k AS (SELECT \(7) AS a, \("x") AS b)"
        let q: Query = "\(fragment) SELECT * FROM k WHERE a = \(1) OR a = \(2)"
        let outer: Query = "SELECT \(0), (\(q))"
        #expect(q.sql == "WITH k AS (SELECT $1 AS a, $2 AS b) SELECT * FROM k WHERE a = $3 OR a = $4")
        #expect(q.binds == ["7", "x", "1", "2"])
        #expect(outer.sql == "SELECT $1, (WITH k AS (SELECT $2 AS a, $3 AS b) SELECT * FROM k WHERE a = $4 OR a = $5)")
        #expect(outer.binds == ["0", "7", "x", "1", "2"])
        let tenth: Query = "\(Query(unsafeSQL: "$10", binds: Array(repeating: "v", count: 10)))"
        let shifted: Query = "\(1) \(tenth)"
        #expect(shifted.sql == "$1 $11")
    }

    @Test func identifiersAreQuotedThroughOneHelper() {
        #expect(SQLIdentifier("demand").rendered == "\"demand\"")
        #expect(SQLIdentifier("we\"ird").rendered == "\"we\"\"ird\"")
        let q: Query = "SELECT * FROM \(ident: SQLIdentifier("my schema")).sales"
        #expect(q.sql == "SELECT * FROM \"my schema\".sales")
        #expect(SQLIdentifier.qualified(SQLIdentifier("demand"), "sales") == "\"demand\".\"sales\"")
    }

    @Test func doublesRoundTripThroughText() {
        for v in [0.1, 1e-300, -2.5, 123456.789] { #expect(Double(postgresText: v.postgresText) == v) }
        #expect(Double(postgresText: "NaN")!.isNaN)
        #expect(Double.infinity.postgresText == "Infinity")
    }

    @Test func errorsAreOneLineAndKeepSQLState() {
        let e = PostgresError(
            kind: .server, sqlState: .uniqueViolation, message: "duplicate key value",
            detail: "Key (id)=(1) already exists.", queryName: "insert_run", sql: "INSERT ...")
        #expect(e.description == "query insert_run failed: [23505] duplicate key value (Key (id)=(1) already exists.)")
        #expect(!e.isRetryable)
        #expect(PostgresError(kind: .server, sqlState: .serializationFailure, message: "x").isRetryable)
        #expect(PostgresError(kind: .server, sqlState: SQLState("08006"), message: "x").isRetryable)
        // Statement timeouts and insufficient resources (disk full) are worth another attempt.
        #expect(PostgresError(kind: .server, sqlState: .queryCanceled, message: "x").isRetryable)
        #expect(PostgresError(kind: .server, sqlState: SQLState("53100"), message: "x").isRetryable)
        #expect(!PostgresError(kind: .server, sqlState: SQLState("FC003"), message: "x").isRetryable)
        #expect(e.debugDescription.contains("sql: INSERT ..."))
        #expect(PostgresError.oneLine("a\n\tb\n") == "a; b")
    }
}
