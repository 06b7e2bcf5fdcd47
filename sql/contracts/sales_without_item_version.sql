-- name: sales_without_item_version
-- table: demand.sales
-- severity: block
-- owner: master-data
-- description: Every sale needs an item version valid on its date (SCD2 [valid_from, valid_to)); otherwise its category is unknown.
SELECT s.item_id, s.location_id, s.ds
FROM @schema.sales s
WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of AND s.item_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM @schema.items i
      WHERE i.item_id = s.item_id AND i.valid_from <= s.ds AND (i.valid_to IS NULL OR s.ds < i.valid_to))
