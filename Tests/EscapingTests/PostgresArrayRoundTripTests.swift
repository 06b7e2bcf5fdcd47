import Escaping
import Foundation
import Postgres
import PropertyBased
import Testing

/// The `text[]` literal read back by PostgreSQL itself (`array_in`), element by element: what a
/// monitor pass binds for segment names (issue 29, finding 3: one region name with a quote and a
/// combining mark made every pass fail with 22P02).
struct PostgresArrayRoundTripTests {
    @Test func postgresReadsEveryElementBack() async throws {
        guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty else {
            Issue.record("TEST_DATABASE_URL is not set: run the tests with `make test`")
            return
        }
        let connection = try Connection.connect(url)
        defer { connection.close() }
        await propertyCheck(count: 500, input: HostileText.gen.array(of: 0...6)) { elements in
            let expected = elements.map { String(String.UnicodeScalarView($0.unicodeScalars.map { $0 == "\0" ? Escape.replacement : $0 })) }
            do {
                let rows = try connection.query(Query("SELECT e FROM unnest(\(elements)::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n")).rows
                #expect(try rows.map { try $0.decode("e", as: String.self) } == expected, "\(elements.debugDescription)")
            } catch {
                Issue.record("\(error) for \(elements.debugDescription)")
            }
        }
    }
}
