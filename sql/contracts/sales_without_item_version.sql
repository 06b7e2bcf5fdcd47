-- name: sales_without_item_version
-- table: demand.sales
-- severity: block
-- owner: master-data
-- description: Every sale needs an item version valid on its date (SCD2 [valid_from, valid_to)); otherwise its category is unknown.
-- How: the same rows as "every sale with no version covering its date", found hole by hole instead
-- of row by row. The holes are the date ranges no version of an item covers (before its first
-- version, between versions, after a closed last one; all time for an item with no version). Only
-- holes that can hold a sale of the snapshot matter: those ending after the oldest sale and starting
-- by the cutoff. The items with sales are listed by a skip scan of the sales key index (one descent
-- per item), and only the series of items with such a hole are listed (one descent per series) and
-- probed in those holes through that index: at 100k series whose versions cover their sales, a few
-- thousand descents instead of 100k. Rows with a NULL location_id (blocked by sales_null_keys) are
-- not on that index path and are checked row by row.
WITH RECURSIVE items_with_sales AS (
    (SELECT s.item_id FROM @schema.sales s WHERE s.item_id IS NOT NULL ORDER BY s.item_id LIMIT 1)
    UNION ALL
    SELECT n.item_id
    FROM items_with_sales p
    CROSS JOIN LATERAL (
        SELECT s.item_id FROM @schema.sales s WHERE s.item_id > p.item_id ORDER BY s.item_id LIMIT 1) n
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
    UNION ALL
    SELECT r.item_id, '-infinity', 'infinity' FROM items_with_sales r
    WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.item_id = r.item_id)
), open_holes AS (  -- the holes a sale dated from the oldest sale to the cutoff can fall in
    SELECT h.* FROM holes h
    WHERE h.hole_from <= @cutoff AND h.hole_to > (SELECT min(s.ds) FROM @schema.sales s)
), series AS (  -- the series of those items
    SELECT f.item_id, f.location_id
    FROM (SELECT DISTINCT item_id FROM open_holes) i
    CROSS JOIN LATERAL (
        SELECT s.item_id, s.location_id FROM @schema.sales s
        WHERE s.item_id = i.item_id AND s.location_id IS NOT NULL ORDER BY s.location_id LIMIT 1) f
    UNION ALL
    SELECT n.item_id, n.location_id
    FROM series p
    CROSS JOIN LATERAL (
        SELECT s.item_id, s.location_id FROM @schema.sales s
        WHERE s.item_id = p.item_id AND s.location_id > p.location_id ORDER BY s.location_id LIMIT 1) n
)
SELECT s.item_id, s.location_id, s.ds
FROM series r
JOIN open_holes h ON h.item_id = r.item_id
JOIN @schema.sales s
  ON s.item_id = r.item_id AND s.location_id = r.location_id AND s.ds >= h.hole_from AND s.ds < h.hole_to
WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of
UNION ALL
SELECT s.item_id, s.location_id, s.ds
FROM @schema.sales s
WHERE s.location_id IS NULL AND s.item_id IS NOT NULL AND s.ds <= @cutoff AND s.loaded_at <= @as_of
  AND NOT EXISTS (
      SELECT 1 FROM @schema.items i
      WHERE i.item_id = s.item_id AND i.valid_from <= s.ds AND (i.valid_to IS NULL OR s.ds < i.valid_to))
