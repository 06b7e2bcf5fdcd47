import Postgres

/// The series list of a run or a backtest as of a cutoff, written by one statement for both:
/// every (item, location) with sales dated by the cutoff and loaded by the as-of time, the one
/// dimension version of its item and of its location valid at the cutoff (the newest, should
/// versions overlap — the blocking SCD contracts refuse that first), its segments and the named
/// attributes, numbered in key order and cut into chunks.
enum SeriesSnapshot {
    static func plan(
        _ source: SeriesReader.Source, id: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp,
        chunkSize: Int, attributes: [String], schema: SQLIdentifier, on connection: Connection
    ) throws {
        let into: Query =
            source == .run
            ? "INSERT INTO forecast.run_series (run_id, series_no, item_id, location_id, chunk, category, family, region, attributes)"
            : "INSERT INTO forecast.backtest_series (backtest_id, series_no, item_id, location_id, chunk, category, family, region, attributes)"
        try connection.execute(
            Query(
                """
                \(into)
                \(SeriesKeys.recursiveCTE(schema: schema, cutoff: cutoff, asOf: asOf)),
                -- The version of each item and location valid at the cutoff, once per dimension row and
                -- hash-joined (a lookup per series cost 1.5 s at 100k series: the 101 locations were
                -- scanned for each one).
                i AS (SELECT DISTINCT ON (item_id) item_id, category, family, attributes FROM \(ident: schema).items
                      WHERE valid_from <= \(cutoff) AND (valid_to IS NULL OR \(cutoff) < valid_to)
                      ORDER BY item_id, valid_from DESC),
                l AS (SELECT DISTINCT ON (location_id) location_id, region, attributes FROM \(ident: schema).locations
                      WHERE valid_from <= \(cutoff) AND (valid_to IS NULL OR \(cutoff) < valid_to)
                      ORDER BY location_id, valid_from DESC)
                SELECT \(id), (row_number() OVER w - 1)::int, g.item_id, g.location_id,
                       ((row_number() OVER w - 1) / \(max(1, chunkSize)))::int, i.category, i.family, l.region,
                       \(SeriesAttributes.selectExpression(attributes))
                FROM keys g
                JOIN i ON i.item_id = g.item_id
                JOIN l ON l.location_id = g.location_id
                WINDOW w AS (ORDER BY g.item_id, g.location_id)
                """
            ).named(source == .run ? "plan_run_series" : "plan_backtest_series"))
    }
}
