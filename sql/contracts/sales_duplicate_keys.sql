-- name: sales_duplicate_keys
-- table: demand.sales
-- severity: block
-- owner: data-engineering
-- description: At most one sales row per item, location and period; duplicates would double-count demand.
SELECT item_id, location_id, ds, count(*) AS copies
FROM @schema.sales
WHERE ds <= @cutoff AND loaded_at <= @as_of
GROUP BY item_id, location_id, ds
HAVING count(*) > 1
