-- name: sales_after_as_of
-- table: demand.sales
-- severity: block
-- owner: data-engineering
-- description: Sales dated after the run's as-of time cannot have happened yet: a clock, timezone or load bug.
SELECT item_id, location_id, ds, loaded_at
FROM @schema.sales
WHERE ds > (@as_of AT TIME ZONE 'UTC')::date AND loaded_at <= @as_of
