-- name: promotions_intensity_out_of_range
-- table: demand.promotions
-- severity: block
-- owner: marketing
-- description: A promotion's intensity is a share in [0, 1]; NaN or a value outside would reach the models as a promotion feature. (The table's CHECK enforces it; a view mapped onto an ERP table may not.)
SELECT item_id, location_id, ds, promo_type, intensity::text AS intensity, known_at
FROM @schema.promotions
WHERE NOT (intensity >= 0 AND intensity <= 1)
  AND known_at <= @as_of
ORDER BY item_id, location_id, ds
