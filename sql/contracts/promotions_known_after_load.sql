-- name: promotions_known_after_load
-- table: demand.promotions
-- severity: warn
-- owner: marketing
-- description: A promotion row must not say it becomes known later than it exists: known_at after the moment of this check (the row is already loaded) means the feed stamps known_at wrongly (e.g. with the promotion's own date), and no run will see the planned promotion until then.
SELECT item_id, location_id, ds, promo_type, known_at
FROM @schema.promotions
WHERE known_at > clock_timestamp()
ORDER BY known_at DESC, item_id, location_id, ds
