-- name: locations_scd_gap
-- table: demand.locations
-- severity: warn
-- owner: master-data
-- description: A location version ends before the next one starts.
SELECT location_id, valid_to AS gap_from, next_from AS gap_to
FROM (SELECT location_id, valid_to,
             lead(valid_from) OVER (PARTITION BY location_id ORDER BY valid_from) AS next_from
      FROM @schema.locations) v
WHERE next_from IS NOT NULL AND valid_to IS NOT NULL AND valid_to < next_from
