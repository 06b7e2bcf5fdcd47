import Foundation
import Postgres
import Testing

extension Integration {
    @Suite struct PostgresLayer {
        @Test func binaryCopyRoundTripsExactValues() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            try c.execute("CREATE TABLE t (s text, d date, x float8, n int4, b bool, ts timestamptz)")
            let values: [Double] = [0.1, -0.0, 1e308, .nan, 3.0000000000000004]
            var w = BinaryCopyWriter()
            for (i, v) in values.enumerated() {
                w.beginRow(fieldCount: 6)
                w.append("row é \(i)")
                w.append(PostgresDate(iso: "2026-11-2\(i)")!)
                w.append(v)
                w.append(Int32(i))
                w.append(i % 2 == 0)
                w.append(PostgresTimestamp(text: "2026-11-28T04:33:38.000123Z")!)
            }
            #expect(try c.copyIn("COPY t FROM STDIN (FORMAT binary)", data: w) == values.count)
            var back: [(String, PostgresDate, Double, Int32, Bool, PostgresTimestamp)] = []
            try c.copyOut("COPY (SELECT * FROM t ORDER BY n) TO STDOUT (FORMAT binary)") { row in
                back.append(
                    (
                        try row.readString()!, try row.readDate()!, try row.readDouble()!, try row.readInt32()!,
                        try row.readBool()!, try row.readTimestamp()!
                    ))
            }
            #expect(back.map(\.0) == (0..<5).map { "row é \($0)" })
            #expect(back.map(\.2.bitPattern) == values.map(\.bitPattern))
            #expect(back[3].1.description == "2026-11-23")
            #expect(back[1].4 == false && back[2].4 == true)
            #expect(back[0].5.description == "2026-11-28T04:33:38.000123Z")
        }

        @Test func binaryCopyRoundTripsArrays() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            try c.execute("CREATE TABLE a (n int4, d date[], x float8[])")
            let values: [Double] = [0.1, -0.0, 1e308, .nan, 3.0000000000000004]
            let dates = ["2026-11-29", "1999-12-31", "2000-01-01"].map { PostgresDate(iso: $0)! }
            var w = BinaryCopyWriter()
            w.beginRow(fieldCount: 3)
            w.append(Int32(1))
            w.append(dates)
            w.append(values)
            w.beginRow(fieldCount: 3)
            w.append(Int32(2))
            w.append([PostgresDate]())
            w.append([Double]())
            #expect(try c.copyIn("COPY a FROM STDIN (FORMAT binary)", data: w) == 2)
            // What the server made of them, in its own text form.
            #expect(
                try db.scalar(
                    "SELECT d::text || ' ' || array_length(x, 1) || ' ' || x[2]::text || ' ' || x[4]::text FROM a WHERE n = 1",
                    as: String.self) == "{2026-11-29,1999-12-31,2000-01-01} 5 -0 NaN")
            #expect(try db.scalar("SELECT cardinality(d) + cardinality(x) FROM a WHERE n = 2", as: Int.self) == 0)
            var back: [Double] = []
            try c.copyOut("COPY (SELECT x FROM a WHERE n = 1) TO STDOUT (FORMAT binary)") { row in back = try row.readDoubleArray()! }
            #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
        }

        @Test func serverErrorsCarrySQLStateAndTheConnectionSurvives() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            try c.execute("CREATE TABLE u (id int PRIMARY KEY)")
            try c.execute("INSERT INTO u VALUES (1)")
            let e = #expect(throws: PostgresError.self) { try c.execute(Query("INSERT INTO u VALUES (\(1))").named("insert_u")) }
            #expect(e?.sqlState == .uniqueViolation)
            #expect(e?.queryName == "insert_u")
            #expect(e?.detail == "Key (id)=(1) already exists.")
            var w = BinaryCopyWriter()
            w.beginRow(fieldCount: 1)
            w.append(Int32(1))
            let copyError = #expect(throws: PostgresError.self) { try c.copyIn("COPY u FROM STDIN (FORMAT binary)", data: w) }
            #expect(copyError?.sqlState == .uniqueViolation)
            #expect(try c.query("SELECT count(*) AS n FROM u").first?.decode("n", as: Int.self) == 1)
            // A value that looks like SQL stays a value.
            let evil = "1); DROP TABLE u; --"
            #expect(try c.query("SELECT \(evil)::text AS v").first?.decode("v", as: String.self) == evil)
            #expect(try c.query("SELECT count(*) AS n FROM u").first?.decode("n", as: Int.self) == 1)
        }

        /// `forEachRow`: every row once, in order, a batch at a time; bind parameters as in `query`;
        /// the cursor closed and the transaction left as it was found, also when it fails.
        @Test func aCursorStreamsEveryRowAndCleansUp() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            let hostile = "x'); CLOSE ALL; -- é\u{301}\u{7}"
            var seen: [Int] = [], labels = Set<String>()
            try c.forEachRow(Query("SELECT g, \(hostile)::text AS label FROM generate_series(1, \(25_003)) g ORDER BY g"), batch: 1_000) { row in
                seen.append(try row.decode("g", as: Int.self))
                labels.insert(try row.decode("label", as: String.self))
            }
            #expect(seen == Array(1...25_003) && labels == [hostile])
            #expect(!c.inTransaction)
            // Inside the caller's transaction: its own writes are read, and it stays open.
            try c.begin()
            try c.execute("CREATE TEMP TABLE w AS SELECT generate_series(1, 10) AS n")
            var total = 0
            try c.forEachRow("SELECT n FROM w", batch: 3) { total += try $0.decode("n", as: Int.self) }
            #expect(total == 55 && c.inTransaction)
            #expect(try c.query("SELECT count(*) AS n FROM pg_cursors WHERE name LIKE 'forecast_rows_%'").first?.decode("n", as: Int.self) == 0)
            // An error thrown by the body closes the cursor and leaves the transaction usable.
            struct Stop: Error {}
            #expect(throws: Stop.self) { try c.forEachRow("SELECT n FROM w", batch: 2) { if try $0.decode("n", as: Int.self) == 5 { throw Stop() } } }
            #expect(try c.query("SELECT count(*) AS n FROM pg_cursors WHERE name LIKE 'forecast_rows_%'").first?.decode("n", as: Int.self) == 0)
            try c.commit()
            // A server error in a later batch carries its SQLSTATE, and no transaction is left open.
            let e = #expect(throws: PostgresError.self) {
                try c.forEachRow(Query("SELECT 1 / (g - 1500) AS x FROM generate_series(1, 2000) g").named("divide"), batch: 1_000) { _ in }
            }
            #expect(e?.sqlState == SQLState("22012") && e?.queryName == "divide")
            #expect(!c.inTransaction)
            #expect(try c.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
        }

        @Test func transactionsRollBackOnError() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let c = try db.connect()
            defer { c.close() }
            try c.execute("CREATE TABLE v (id int)")
            #expect(throws: PostgresError.self) {
                try c.transaction { tx in
                    try tx.execute("INSERT INTO v VALUES (1)")
                    try tx.execute("SELECT 1/0")
                }
            }
            #expect(try c.query("SELECT count(*) AS n FROM v").first?.decode("n", as: Int.self) == 0)
            #expect(try c.tryAdvisoryLock(42))
        }

        @Test func aListenerWaitsForANotificationAndQuotesItsChannel() throws {
            let db = try TestDatabase(migrate: false)
            defer { db.drop() }
            let listener = try db.connect()
            defer { listener.close() }
            let sender = try db.connect()
            defer { sender.close() }
            let channel = "alerts \"é\u{301}\u{7}"
            try listener.listen(channel)
            #expect(try listener.notifications(waitingUpTo: 0.05) == [])
            try sender.execute(Query("SELECT pg_notify(\(channel), \("payload ☃"))"))
            let notes = try listener.notifications(waitingUpTo: 10)
            #expect(notes.map(\.channel) == [channel] && notes.map(\.payload) == ["payload ☃"], "\(notes)")
            #expect(try listener.notifications() == [])
        }
    }
}
