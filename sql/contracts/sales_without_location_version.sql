-- name: sales_without_location_version
-- table: demand.sales
-- severity: block
-- owner: master-data
-- description: Every sale needs a location version valid on its date (SCD2 [valid_from, valid_to)).
SELECT s.item_id, s.location_id, s.ds
FROM @schema.sales s
WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of AND s.location_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM @schema.locations l
      WHERE l.location_id = s.location_id AND l.valid_from <= s.ds AND (l.valid_to IS NULL OR s.ds < l.valid_to))
