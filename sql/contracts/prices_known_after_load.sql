-- name: prices_known_after_load
-- table: demand.prices
-- severity: warn
-- owner: pricing
-- description: A price row must not say it becomes known later than it exists: known_at after the moment of this check (the row is already loaded) means the feed stamps known_at wrongly (e.g. with the price's own date), and no run will see the planned price until then.
SELECT item_id, location_id, ds, known_at
FROM @schema.prices
WHERE known_at > clock_timestamp()
ORDER BY known_at DESC, item_id, location_id, ds
