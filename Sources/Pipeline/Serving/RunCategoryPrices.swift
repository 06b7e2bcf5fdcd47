import GradientBoosting
import Postgres

/// The competing items' prices a run prepared for a stored model, as rows of
/// `forecast.run_category_prices` (migration 042): the planner copies them in, a batch of entries
/// per COPY, and each worker reads them through a cursor, a batch of rows at a time. Neither side
/// holds the table as one document (at a million series about 280k entries, which as one JSON
/// text was the daemons' largest transient).
enum RunCategoryPrices {
    static let layout = CopyLayout(
        schema: SQLIdentifier("forecast"), table: "run_category_prices",
        columns: [
            "run_id", "model_version_id", "model_name", "category", "location", "day", "origin", "price_sum", "price_count",
            "lowest", "lowest_owner", "second",
        ])

    /// Entries per COPY statement: the writer's buffer stays near 5 MB.
    static let batch = 50_000

    /// Copies every entry of `prices` in; returns the rows written. A code, day or count beyond
    /// 32 bits, or a price that is not finite, throws before anything of that batch is sent (the
    /// caller's transaction then rolls the rest back).
    @discardableResult
    static func write(_ prices: CategoryPrices, runID: Int64, versionID: Int64, name: ModelName, on connection: Connection) throws -> Int {
        try write(runID: runID, versionID: versionID, name: name, on: connection) { body in
            for (key, entry) in prices.table { try body(key, entry) }
        }
    }

    /// The same for a run's table built series by series.
    @discardableResult
    static func write(_ prices: CategoryPrices.OriginTable, runID: Int64, versionID: Int64, name: ModelName, on connection: Connection) throws -> Int {
        try write(runID: runID, versionID: versionID, name: name, on: connection) { body in try prices.forEachEntry(body) }
    }

    private static func write(
        runID: Int64, versionID: Int64, name: ModelName, on connection: Connection,
        entries: ((CategoryPrices.Key, CategoryPrices.Entry) throws -> Void) throws -> Void
    ) throws -> Int {
        var written = 0
        var writer = BinaryCopyWriter()
        var pending = 0
        func int32(_ value: Int, _ what: String) throws -> Int32 {
            guard let v = Int32(exactly: value) else { throw PipelineError.configuration("a competing-price \(what) out of range: \(value)") }
            return v
        }
        func price(_ value: Double?, into writer: inout BinaryCopyWriter) throws {
            guard let value else { return writer.appendNull() }
            guard value.isFinite else { throw PipelineError.configuration("a competing price that is not finite: \(value)") }
            writer.append(value)
        }
        try entries { key, entry in
            writer.beginRow(layout)
            writer.append(runID)
            writer.append(versionID)
            writer.append(name.text)
            writer.append(try int32(key.category, "category"))
            writer.append(try int32(key.location, "location"))
            writer.append(try int32(key.day, "day"))
            writer.append(try int32(key.origin, "origin"))
            try price(entry.sum, into: &writer)
            writer.append(try int32(entry.count, "count"))
            try price(entry.lowest, into: &writer)
            writer.append(try int32(entry.lowestOwner, "owner"))
            try price(entry.second, into: &writer)
            pending += 1
            if pending == batch {
                written += try connection.copyIn(layout, data: writer)
                writer = BinaryCopyWriter()
                pending = 0
            }
        }
        if pending > 0 { written += try connection.copyIn(layout, data: writer) }
        return written
    }

    /// The entries prepared for a run and model, read through a cursor.
    static func read(runID: Int64, versionID: Int64, name: ModelName, on connection: Connection) throws -> CategoryPrices {
        var prices = CategoryPrices()
        try connection.forEachRow(
            Query(
                """
                SELECT category, location, day, origin, price_sum, price_count, lowest, lowest_owner, second
                FROM forecast.run_category_prices
                WHERE run_id = \(runID) AND model_version_id = \(versionID) AND model_name = \(name)
                """
            ).named("read_run_category_prices"), batch: batch
        ) { row in
            let key = CategoryPrices.Key(
                category: try row.decode(at: 0, as: Int.self), location: try row.decode(at: 1, as: Int.self),
                day: try row.decode(at: 2, as: Int.self), origin: try row.decode(at: 3, as: Int.self))
            prices.table[key] = CategoryPrices.Entry(
                sum: try row.decode(at: 4, as: Double.self), count: try row.decode(at: 5, as: Int.self),
                lowest: try row.decodeIfPresent(at: 6, as: Double.self), lowestOwner: try row.decode(at: 7, as: Int.self),
                second: try row.decodeIfPresent(at: 8, as: Double.self))
        }
        return prices
    }
}
