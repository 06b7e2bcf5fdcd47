-- name: prices_not_finite_positive
-- table: demand.prices
-- severity: block
-- owner: pricing
-- description: Prices must be finite and positive: NaN, Infinity, zero or a negative price would poison the price features of every series of the category (the table's CHECK price > 0 lets NaN and Infinity through).
SELECT item_id, location_id, ds, price::text AS price, known_at
FROM @schema.prices
WHERE NOT (price > 0 AND price < 'Infinity'::float8)
  AND known_at <= @as_of
ORDER BY item_id, location_id, ds
