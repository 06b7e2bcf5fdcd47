-- name: sales_null_keys
-- table: demand.sales
-- severity: block
-- owner: data-engineering
-- description: Every sales row needs item_id, location_id, ds and qty; rows without them cannot be placed in a series.
SELECT item_id, location_id, ds, qty
FROM @schema.sales
WHERE (item_id IS NULL OR location_id IS NULL OR ds IS NULL OR qty IS NULL)
  AND loaded_at <= @as_of
