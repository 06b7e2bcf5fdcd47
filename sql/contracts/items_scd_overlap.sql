-- name: items_scd_overlap
-- table: demand.items
-- severity: block
-- owner: master-data
-- description: Two versions of one item valid on the same day make its attributes ambiguous.
SELECT a.item_id, a.valid_from, a.valid_to, b.valid_from AS overlapping_from
FROM @schema.items a
JOIN @schema.items b
  ON b.item_id = a.item_id AND b.valid_from > a.valid_from
 AND (a.valid_to IS NULL OR b.valid_from < a.valid_to)
