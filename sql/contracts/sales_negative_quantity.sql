-- name: sales_negative_quantity
-- table: demand.sales
-- severity: warn
-- owner: demand-planning
-- description: Net quantity below zero (returns exceeding sales that period). Forecasts are clamped at zero.
SELECT item_id, location_id, ds, qty
FROM @schema.sales
WHERE qty < 0 AND ds <= @cutoff AND loaded_at <= @as_of
