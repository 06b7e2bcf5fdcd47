-- name: sales_duplicate_keys
-- table: demand.sales
-- severity: block
-- owner: data-engineering
-- description: At most one sales row per item, location and period; duplicates would double-count demand.
-- Free when the source enforces it: if @schema.sales has a valid unique index on exactly
-- (item_id, location_id, ds), duplicates cannot exist and the scan is skipped (one-time filter).
-- A view or an unconstrained ERP table is checked row by row.
SELECT item_id, location_id, ds, count(*) AS copies
FROM @schema.sales
WHERE ds <= @cutoff AND loaded_at <= @as_of
  AND NOT EXISTS (
      SELECT 1
      FROM pg_index x
      JOIN pg_class c ON c.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = @schema_name AND c.relname = 'sales' AND c.relkind = 'r'
        AND x.indisunique AND x.indisvalid AND x.indpred IS NULL AND x.indnkeyatts = 3
        AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
             FROM unnest(x.indkey[0:2]) k(attnum)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) = ARRAY['ds', 'item_id', 'location_id'])
GROUP BY item_id, location_id, ds
HAVING count(*) > 1
