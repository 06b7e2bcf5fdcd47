import Testing
@testable import Postgres

struct QueryTests {
    @Test func interpolatedValuesBecomeBinds() {
        let name = "x'; DROP TABLE t; --"
        let q: Query = "SELECT * FROM t WHERE a = \(name) AND b = \(42) AND c = \(Optional<Int>.none)"
        #expect(q.sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3")
        #expect(q.binds == [name, "42", nil])
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
        let e = PostgresError(kind: .server, sqlState: .uniqueViolation, message: "duplicate key value",
                              detail: "Key (id)=(1) already exists.", queryName: "insert_run", sql: "INSERT ...")
        #expect(e.description == "query insert_run failed: [23505] duplicate key value (Key (id)=(1) already exists.)")
        #expect(!e.isRetryable)
        #expect(PostgresError(kind: .server, sqlState: .serializationFailure, message: "x").isRetryable)
        #expect(PostgresError(kind: .server, sqlState: SQLState("08006"), message: "x").isRetryable)
        #expect(e.debugDescription.contains("sql: INSERT ..."))
        #expect(PostgresError.oneLine("a\n\tb\n") == "a; b")
    }
}
