import Forecasting
import Foundation
import GradientBoosting
import Postgres
import Testing

@testable import Pipeline

/// The competing prices a run prepared for a stored model, as rows (migration 042): what the
/// registry test calls once a run has served a version (`runID`, `versionID`, model `XGBoost`).
enum RunCategoryPricesChecks {
    static func check(_ db: TestDatabase, runID: Int64, versionID: Int64) throws {
        let connection = try db.connect()
        defer { connection.close() }
        let stored = try RunCategoryPrices.read(runID: runID, versionID: versionID, name: "XGBoost", on: connection)
        #expect(stored.table.count > 50)

        // Every double a price can be comes back bit for bit; a price that is not finite is refused
        // before anything is sent. Written in a transaction that prepares inputs of its own.
        var edge = CategoryPrices()
        let values: [Double] = [4, 0.1 + 0.2, -0.0, 1e-7, 123_456.789, 1e300, .leastNonzeroMagnitude, .pi, 2.5e15]
        for (i, price) in values.enumerated() {
            for (owner, p) in [(i, price), (100 + i, price * 2)] {
                edge.add(
                    PlannedInputs(promotions: [], prices: [.init(day: 20_100, price: p, knownAt: 0)]), category: i % 3, location: 1_000 + i,
                    owner: owner, originDay: 20_099, targetDays: [20_100, 20_101])
            }
        }
        try connection.begin()
        try connection.execute(
            Query("INSERT INTO forecast.run_model_inputs (run_id, model_version_id, model_name) VALUES (\(runID), \(versionID), 'EdgeTest')"))
        #expect(try RunCategoryPrices.write(edge, runID: runID, versionID: versionID, name: "EdgeTest", on: connection) == edge.table.count)
        let back = try RunCategoryPrices.read(runID: runID, versionID: versionID, name: "EdgeTest", on: connection)
        #expect(back == edge)
        #expect(back.table.values.map(\.sum.bitPattern).sorted() == edge.table.values.map(\.sum.bitPattern).sorted())
        var broken = CategoryPrices()
        broken.add(
            PlannedInputs(promotions: [], prices: [.init(day: 20_100, price: .nan, knownAt: 0)]), category: 0, location: 0, owner: 0,
            originDay: 20_099, targetDays: [20_100])
        #expect(throws: PipelineError.self) { try RunCategoryPrices.write(broken, runID: runID, versionID: versionID, name: "EdgeTest", on: connection) }
        try connection.rollback()

        // Hostile: the worker role adds a competitor price to the prepared run by hand, or writes a
        // NaN: refused by the database (the first by the trigger, 42501; the second by its check).
        let worker = try Connection.connect(try db.workerURL())
        defer { worker.close() }
        let forged = Query(
            """
            INSERT INTO forecast.run_category_prices (run_id, model_version_id, model_name, category, location, day, origin, price_sum, price_count, lowest, lowest_owner)
            VALUES (\(runID), \(versionID), 'XGBoost', 999, 999, 20100, 20099, 0.01, 1, 0.01, 1)
            """)
        #expect(Integration.Privileges.sqlState(worker, forged) == "42501")
        // Nor for inputs never prepared (no inputs row).
        let orphan = Query(
            """
            INSERT INTO forecast.run_category_prices (run_id, model_version_id, model_name, category, location, day, origin, price_sum, price_count, lowest, lowest_owner)
            VALUES (\(runID), \(versionID), 'NeverPrepared', 1, 1, 20100, 20099, 0.01, 1, 0.01, 1)
            """)
        #expect(Integration.Privileges.sqlState(worker, orphan) == "42501")
        let nan = Query(
            """
            INSERT INTO forecast.run_category_prices (run_id, model_version_id, model_name, category, location, day, origin, price_sum, price_count, lowest_owner)
            VALUES (\(runID), \(versionID), 'XGBoost', 999, 999, 20100, 20099, 'NaN', 1, 1)
            """)
        #expect(Integration.Privileges.sqlState(worker, nan) == "23514")
        #expect(Integration.Privileges.sqlState(worker, Query("DELETE FROM forecast.run_category_prices")) == "42501")
        #expect(Integration.Privileges.sqlState(worker, Query("UPDATE forecast.run_category_prices SET price_sum = 0")) == "42501")
        #expect(try RunCategoryPrices.read(runID: runID, versionID: versionID, name: "XGBoost", on: connection) == stored)

        // A run prepared before migration 042 (one document, no rows) is read as it was.
        try db.execute(
            Query(
                """
                UPDATE forecast.run_model_inputs SET category_prices = \(String(decoding: try JSONEncoder().encode(stored), as: UTF8.self))::jsonb
                WHERE run_id = \(runID) AND model_name = 'XGBoost'
                """))
        try db.execute(Query("DELETE FROM forecast.run_category_prices WHERE run_id = \(runID)"))
        let legacy = try GlobalTraining.load(.version(versionID), name: "XGBoost", runInputs: runID, schema: RunConfig().schema, on: connection)
        #expect(legacy.encodings.categoryPrices == stored)
    }
}
