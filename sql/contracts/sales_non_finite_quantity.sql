-- name: sales_non_finite_quantity
-- table: demand.sales
-- severity: block
-- owner: data-engineering
-- description: Quantities must be finite numbers; NaN or Infinity would poison every model that reads the series.
SELECT item_id, location_id, ds, qty::text AS qty
FROM @schema.sales
WHERE qty IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
  AND loaded_at <= @as_of
