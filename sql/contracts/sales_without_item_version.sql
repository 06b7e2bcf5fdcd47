-- name: sales_without_item_version
-- table: demand.sales
-- severity: block
-- owner: master-data
-- description: Every sale needs an item version valid on its date (SCD2 [valid_from, valid_to)); otherwise its category is unknown.
-- How: the same rows as "every sale with no version covering its date", found hole by hole instead
-- of row by row. The holes are the date ranges no version of an item covers (before its first
-- version, between versions, after a closed last one; all time for an item with no version). Each
-- series of sales (listed by a skip scan of the sales key index) is probed in its item's holes
-- through that index: one probe per series and hole, not a join of every sales row. Rows with a
-- NULL location_id (blocked by sales_null_keys) are not on that index path and are checked row by row.
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
    SELECT item_id, valid_from, coalesce(valid_to, 'infinity') AS valid_to,
           max(coalesce(valid_to, 'infinity')) OVER (PARTITION BY item_id ORDER BY valid_from
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
    FROM @schema.items
    WHERE valid_to IS NULL OR valid_to > valid_from
), holes AS (  -- [hole_from, hole_to)
    SELECT item_id, coalesce(covered_to, '-infinity') AS hole_from, valid_from AS hole_to
    FROM versions WHERE covered_to IS NULL OR covered_to < valid_from
    UNION ALL
    SELECT item_id, max(valid_to), 'infinity' FROM versions GROUP BY item_id HAVING max(valid_to) < 'infinity'
), probes AS (
    SELECT r.item_id, r.location_id, h.hole_from, h.hole_to FROM series r JOIN holes h ON h.item_id = r.item_id
    UNION ALL
    SELECT r.item_id, r.location_id, '-infinity', 'infinity' FROM series r
    WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.item_id = r.item_id)
)
SELECT s.item_id, s.location_id, s.ds
FROM probes p
JOIN @schema.sales s
  ON s.item_id = p.item_id AND s.location_id = p.location_id AND s.ds >= p.hole_from AND s.ds < p.hole_to
WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of
UNION ALL
SELECT s.item_id, s.location_id, s.ds
FROM @schema.sales s
WHERE s.location_id IS NULL AND s.item_id IS NOT NULL AND s.ds <= @cutoff AND s.loaded_at <= @as_of
  AND NOT EXISTS (
      SELECT 1 FROM @schema.items i
      WHERE i.item_id = s.item_id AND i.valid_from <= s.ds AND (i.valid_to IS NULL OR s.ds < i.valid_to))
