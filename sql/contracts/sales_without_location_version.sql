-- name: sales_without_location_version
-- table: demand.sales
-- severity: block
-- owner: master-data
-- description: Every sale needs a location version valid on its date (SCD2 [valid_from, valid_to)).
-- How: as sales_without_item_version, hole by hole: the date ranges no version of a location
-- covers, probed per series through the sales key index; rows with a NULL item_id (blocked by
-- sales_null_keys) are checked row by row.
WITH RECURSIVE series AS (
    (SELECT s.item_id, s.location_id FROM @schema.sales s
     WHERE s.item_id IS NOT NULL AND s.location_id IS NOT NULL
     ORDER BY s.item_id, s.location_id LIMIT 1)
    UNION ALL
    SELECT n.item_id, n.location_id
    FROM series p
    CROSS JOIN LATERAL (
        SELECT s.item_id, s.location_id FROM @schema.sales s
        WHERE (s.item_id, s.location_id) > (p.item_id, p.location_id) AND s.location_id IS NOT NULL
        ORDER BY s.item_id, s.location_id LIMIT 1) n
), versions AS (  -- each proper version with the latest end of the versions that start before it
    SELECT location_id, valid_from, coalesce(valid_to, 'infinity') AS valid_to,
           max(coalesce(valid_to, 'infinity')) OVER (PARTITION BY location_id ORDER BY valid_from
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
    FROM @schema.locations
    WHERE valid_to IS NULL OR valid_to > valid_from
), holes AS (  -- [hole_from, hole_to)
    SELECT location_id, coalesce(covered_to, '-infinity') AS hole_from, valid_from AS hole_to
    FROM versions WHERE covered_to IS NULL OR covered_to < valid_from
    UNION ALL
    SELECT location_id, max(valid_to), 'infinity' FROM versions GROUP BY location_id HAVING max(valid_to) < 'infinity'
), probes AS (
    SELECT r.item_id, r.location_id, h.hole_from, h.hole_to FROM series r JOIN holes h ON h.location_id = r.location_id
    UNION ALL
    SELECT r.item_id, r.location_id, '-infinity', 'infinity' FROM series r
    WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.location_id = r.location_id)
)
SELECT s.item_id, s.location_id, s.ds
FROM probes p
JOIN @schema.sales s
  ON s.item_id = p.item_id AND s.location_id = p.location_id AND s.ds >= p.hole_from AND s.ds < p.hole_to
WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of
UNION ALL
SELECT s.item_id, s.location_id, s.ds
FROM @schema.sales s
WHERE s.item_id IS NULL AND s.location_id IS NOT NULL AND s.ds <= @cutoff AND s.loaded_at <= @as_of
  AND NOT EXISTS (
      SELECT 1 FROM @schema.locations l
      WHERE l.location_id = s.location_id AND l.valid_from <= s.ds AND (l.valid_to IS NULL OR s.ds < l.valid_to))
