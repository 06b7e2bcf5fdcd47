-- name: locations_scd_overlap
-- table: demand.locations
-- severity: block
-- owner: master-data
-- description: Two versions of one location valid on the same day make its region ambiguous.
SELECT a.location_id, a.valid_from, a.valid_to, b.valid_from AS overlapping_from
FROM @schema.locations a
JOIN @schema.locations b
  ON b.location_id = a.location_id AND b.valid_from > a.valid_from
 AND (a.valid_to IS NULL OR b.valid_from < a.valid_to)
