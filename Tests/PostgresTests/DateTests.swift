import Testing

@testable import Postgres

struct DateTests {
    @Test func epochsAndCivilDates() {
        #expect(PostgresDate(iso: "2000-01-01")!.daysSince2000 == 0)
        #expect(PostgresDate(iso: "1970-01-01")!.unixDays == 0)
        #expect(PostgresDate(iso: "2024-02-29")!.description == "2024-02-29")
        #expect(PostgresDate(iso: "2023-02-29") == nil)
        #expect(PostgresDate(iso: "2026-13-01") == nil)
        #expect(PostgresDate(iso: "26-11-01") == nil)
    }

    @Test func timestampsParseServerAndISOForms() {
        let a = PostgresTimestamp(text: "2026-11-28 04:33:38.123456+00")!
        let b = PostgresTimestamp(text: "2026-11-28T04:33:38.123456Z")!
        let c = PostgresTimestamp(text: "2026-11-28 06:33:38.123456+02")!
        #expect(a == b && b == c)
        #expect(a.description == "2026-11-28T04:33:38.123456Z")
        #expect(a.date.description == "2026-11-28")
        #expect(PostgresTimestamp(text: "2026-11-28") == nil)
    }
}
