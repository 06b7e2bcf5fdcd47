import Postgres

/// The distinct (item, location) series with sales in a snapshot, found by a loose index scan:
/// one descent of `sales_series_ds_key` per series instead of a scan of every sales row.
enum SeriesKeys {
    /// `WITH RECURSIVE keys (item_id, location_id) AS (...)` for sales dated by `cutoff` and loaded by `asOf`.
    static func recursiveCTE(schema: SQLIdentifier, cutoff: PostgresDate, asOf: PostgresTimestamp) -> Query {
        Query(
            """
            WITH RECURSIVE keys AS (
                (SELECT item_id, location_id FROM \(ident: schema).sales
                 WHERE ds <= \(cutoff) AND loaded_at <= \(asOf) AND item_id IS NOT NULL AND location_id IS NOT NULL
                 ORDER BY item_id, location_id LIMIT 1)
                UNION ALL
                SELECT n.item_id, n.location_id
                FROM keys k CROSS JOIN LATERAL (
                    SELECT item_id, location_id FROM \(ident: schema).sales s
                    WHERE (s.item_id, s.location_id) > (k.item_id, k.location_id)
                      AND s.ds <= \(cutoff) AND s.loaded_at <= \(asOf) AND s.location_id IS NOT NULL
                    ORDER BY s.item_id, s.location_id LIMIT 1) n
            )
            """)
    }
}
