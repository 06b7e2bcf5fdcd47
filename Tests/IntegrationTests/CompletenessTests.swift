import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 29, finding 5: a cutoff whose period has not landed is not published; a genuinely empty
/// period is accepted only when asked, and that is recorded on the run.
extension Integration {
    @Suite struct Completeness {
        static let asOf = "2026-11-28T06:00:00Z"

        static func seriesOn(_ db: TestDatabase, _ day: String) throws -> Int {
            try db.scalar(Query("SELECT count(*)::int FROM demand.sales WHERE ds = \(day)::date"), as: Int.self)
        }

        @Test func aCutoffWhoseSalesHaveNotLandedIsNotPublished() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let landed = try Self.seriesOn(db, "2026-11-27")
            #expect(landed > 60)
            // The day's load has not arrived: check and run both refuse, naming the cutoff.
            try db.execute("CREATE TABLE late_sales AS SELECT * FROM demand.sales WHERE ds = '2026-11-27'; DELETE FROM demand.sales WHERE ds = '2026-11-27'")
            let check = try CLI.run(["check", "--cutoff", "2026-11-27", "--as-of", Self.asOf], databaseURL: db.url)
            #expect(check.status == 65, "\(check.stdout)\(check.stderr)")
            #expect(
                check.stdout.contains(
                    "BLOCK: sales_period_landed (demand.sales): 1 violation, e.g. {\"cutoff\":\"2026-11-27\",\"period_start\":\"2026-11-27\",\"series_landed\":0,"
                ), "\(check.stdout)")
            let run = try CLI.run(["run", "--cutoff", "2026-11-27", "--as-of", Self.asOf, "--horizon", "7", "--no-progress"], databaseURL: db.url)
            #expect(run.status == 65, "\(run.stdout)\(run.stderr)")
            #expect(
                run.stderr.contains("blocked by 1 data contract: sales_period_landed (demand.sales)") && run.stderr.contains("--accept-empty-period"),
                "\(run.stderr)")
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.latest", as: Int.self) == 0)

            // A partial load: 30% of the series is not enough, 70% is (the default share is 0.5).
            try db.execute(
                """
                INSERT INTO demand.sales SELECT * FROM late_sales WHERE abs(hashtext(item_id || location_id)) % 10 IN (0, 1, 2)
                """)
            let partial = try Self.seriesOn(db, "2026-11-27")
            let c = try db.connect()
            defer { c.close() }
            func blocks(_ share: Double? = nil) throws -> Bool {
                var config = RunConfig(horizon: 7)
                config.minLandedShare = share
                return try ContractCheck.run(sql: TestDatabase.sql, cutoff: Fixtures.end, asOf: Fixtures.asOf, config: config, on: c)
                    .contains { $0.contract.name == "sales_period_landed" && $0.blocks }
            }
            #expect(Double(partial) < 0.5 * Double(landed) && partial > 0)
            #expect(try blocks())
            #expect(try !blocks(Double(partial) / Double(landed) - 0.05))
            try db.execute("INSERT INTO demand.sales SELECT * FROM late_sales WHERE abs(hashtext(item_id || location_id)) % 10 IN (3, 4, 5, 6, 7)")
            #expect(try !blocks())

            // A genuinely empty day (a closure), accepted by hand: published, and the run says so.
            try db.execute("DELETE FROM demand.sales WHERE ds = '2026-11-27'")
            let accepted = try CLI.run(
                ["run", "--cutoff", "2026-11-27", "--as-of", Self.asOf, "--horizon", "7", "--accept-empty-period", "--no-progress"],
                databaseURL: db.url)
            #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
            let row = try c.query(
                """
                SELECT r.status, (r.config ->> 'acceptEmptyPeriod')::boolean AS accepted, r.warning_count, c.waived_by, c.severity
                FROM forecast.runs r JOIN forecast.contract_results c ON c.run_id = r.id AND c.contract = 'sales_period_landed'
                WHERE r.status = 'published'
                """
            ).first
            #expect(try row?.decode("accepted", as: Bool.self) == true)
            #expect(try row?.decode("waived_by", as: String.self) == "accept_empty_period")
            #expect(try row?.decode("severity", as: String.self) == "block")
            #expect(try (row?.decode("warning_count", as: Int.self) ?? 0) >= 1)
        }

        /// A day the stores always close compares with itself: a Friday with no sales is not
        /// "missing" when the Fridays before had none either.
        @Test func aWeeklyClosingDayIsNotAMissingLoad() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            try db.execute("DELETE FROM demand.sales WHERE extract(isodow FROM ds) = 5")
            let c = try db.connect()
            defer { c.close() }
            let outcomes = try ContractCheck.run(sql: TestDatabase.sql, cutoff: Fixtures.end, asOf: Fixtures.asOf, config: RunConfig(horizon: 7), on: c)
            #expect(outcomes.first { $0.contract.name == "sales_period_landed" }?.passed == true)
            // The day before (a Thursday) with its rows: fine; without them: blocked.
            let thursday = PostgresDate(iso: "2026-11-26")!
            #expect(
                try ContractCheck.run(sql: TestDatabase.sql, cutoff: thursday, asOf: Fixtures.asOf, config: RunConfig(horizon: 7), on: c)
                    .first { $0.contract.name == "sales_period_landed" }?.passed == true)
            try db.execute("DELETE FROM demand.sales WHERE ds = '2026-11-26'")
            #expect(
                try ContractCheck.run(sql: TestDatabase.sql, cutoff: thursday, asOf: Fixtures.asOf, config: RunConfig(horizon: 7), on: c)
                    .first { $0.contract.name == "sales_period_landed" }?.blocks == true)
        }
    }
}
