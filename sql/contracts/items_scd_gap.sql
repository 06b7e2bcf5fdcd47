-- name: items_scd_gap
-- table: demand.items
-- severity: warn
-- owner: master-data
-- description: A version ends before the next one starts; sales in the gap are caught by sales_without_item_version.
SELECT item_id, valid_to AS gap_from, next_from AS gap_to
FROM (SELECT item_id, valid_to,
             lead(valid_from) OVER (PARTITION BY item_id ORDER BY valid_from) AS next_from
      FROM @schema.items) v
WHERE next_from IS NOT NULL AND valid_to IS NOT NULL AND valid_to < next_from
