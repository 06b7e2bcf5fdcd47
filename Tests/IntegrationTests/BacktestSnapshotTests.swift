import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Backtests read the snapshot runs read: one dimension version per series, and the data
/// contracts checked before anything is scored.
extension Integration.Backtests {
    /// Reproduces the review's defect: an item with two overlapping dimension versions was
    /// planned (and scored) twice by `backtest`. Now the blocking contract stops the backtest
    /// before any result is written, with the rule, the table and the item in its message
    /// (exit 65 from the CLI), the outcome is recorded against the backtest, and the series list
    /// cannot hold a series twice.
    @Test func overlappingDimensionVersionsStopTheBacktestBeforeAnythingIsWritten() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 10, locations: 2, days: 120)
        try db.execute(
            "INSERT INTO demand.items (item_id, valid_from, valid_to, category, family, description) VALUES ('I000002', '2026-10-01', NULL, 'snacks', 'family_1', 'overlapping version')"
        )
        let error = #expect(throws: PipelineError.self) { try Self.runner(db).run(try Self.options()) }
        guard case .contractsBlocked(let outcomes)? = error else {
            Issue.record("not blocked: \(String(describing: error))")
            return
        }
        let overlap = try #require(outcomes.first { $0.contract.name == "items_scd_overlap" })
        #expect(overlap.blocks && overlap.samples.first?.contains("I000002") == true)
        #expect("\(error!)".contains("items_scd_overlap (demand.items)"))
        #expect(try db.scalar("SELECT status FROM forecast.backtests", as: String.self) == "failed")
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_results", as: Int.self) == 0)
        #expect(try db.scalar("SELECT count(*) FROM forecast.backtest_series", as: Int.self) == 0)
        #expect(
            try db.scalar(
                """
                SELECT violations FROM forecast.contract_results
                WHERE contract = 'items_scd_overlap' AND run_id IS NULL AND backtest_id = (SELECT id FROM forecast.backtests)
                """, as: Int.self) == 1)

        let cli = try CLI.run(
            [
                "backtest", "--end", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--folds", "2", "--horizon", "7",
                "--models", "naive", "--no-progress",
            ], databaseURL: db.url)
        #expect(cli.status == 65, "\(cli.stderr)")
        #expect(cli.stderr.contains("items_scd_overlap") && cli.stderr.contains("I000002"), "\(cli.stderr)")

        // The key a series list could repeat is unique for backtests as it is for runs.
        try db.execute("DELETE FROM demand.items WHERE description = 'overlapping version'")
        _ = try Self.runner(db).run(try Self.options(folds: 2))
        let duplicate = #expect(throws: PostgresError.self) {
            try db.execute(
                """
                INSERT INTO forecast.backtest_series (backtest_id, series_no, item_id, location_id, chunk)
                SELECT backtest_id, 1000, item_id, location_id, chunk FROM forecast.backtest_series
                WHERE backtest_id = (SELECT max(id) FROM forecast.backtests) LIMIT 1
                """)
        }
        #expect(duplicate?.sqlState?.code == "23505")
    }

    /// A backtest records every contract that applies to it, on its own snapshot; the freshness
    /// rule guards live feeds only, so a backtest of old loads is not blocked by it (a run is).
    @Test func backtestsCheckTheirSnapshotButNotTheLiveFeedsFreshness() throws {
        let db = try TestDatabase()
        defer { db.drop() }
        try db.loadDemo(items: 10, locations: 2, days: 120)
        try db.execute("UPDATE demand.sales SET loaded_at = loaded_at - interval '30 days'")  // the feed stopped a month ago
        let report = try Self.runner(db).run(try Self.options(folds: 2))
        #expect(report.warnings.allSatisfy { $0.contract.severity == .warn })
        let recorded = try db.connect().query(
            """
            SELECT contract FROM forecast.contract_results WHERE backtest_id IS NOT NULL ORDER BY contract
            """
        ).rows.map { try $0.decode("contract", as: String.self) }
        let applying = try Contract.loadAll(from: TestDatabase.sql).filter { $0.scope == .all }.map(\.name).sorted()
        #expect(recorded == applying && recorded.count >= 13 && !recorded.contains("sales_stale_source"))
        let error = #expect(throws: PipelineError.self) {
            try Fixtures.coordinator(db).run(Fixtures.options())
        }
        guard case .contractsBlocked(let outcomes)? = error else {
            Issue.record("run not blocked: \(String(describing: error))")
            return
        }
        #expect(outcomes.contains { $0.contract.name == "sales_stale_source" && $0.blocks })
    }
}
