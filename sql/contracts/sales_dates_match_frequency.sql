-- name: sales_dates_match_frequency
-- table: demand.sales
-- severity: block
-- owner: data-engineering
-- description: Weekly runs take weekly rows dated on the Monday of their ISO week, or daily rows they sum into weeks, not both: a series whose rows all fall on another weekday (a week-ending date) or daily series mixed with weekly ones would be bucketed into the wrong weeks. Judged on the last 52 weeks.
WITH per_series AS (
    SELECT s.item_id, s.location_id, count(*) AS rows_last_year,
           count(DISTINCT extract(isodow FROM s.ds)) AS weekdays, min(s.ds) AS sample_ds
    FROM @schema.sales s
    WHERE @frequency = 'week'
      AND s.ds <= @cutoff AND s.ds > @cutoff - 364 AND s.loaded_at <= @as_of
    GROUP BY s.item_id, s.location_id
), kinds AS (
    SELECT p.*, CASE WHEN p.rows_last_year >= 4 AND p.weekdays = 1 THEN 'weekly'
                     WHEN p.weekdays > 1 THEN 'daily' END AS kind
    FROM per_series p
)
SELECT k.item_id, k.location_id, k.sample_ds, to_char(k.sample_ds, 'FMDay') AS weekday,
       CASE WHEN k.kind = 'weekly' THEN 'weekly rows not dated on the Monday of their ISO week'
            ELSE 'daily rows in an input whose other series are weekly' END AS problem
FROM kinds k
WHERE (k.kind = 'weekly' AND extract(isodow FROM k.sample_ds) <> 1)
   OR (k.kind = 'daily' AND EXISTS (SELECT 1 FROM kinds w WHERE w.kind = 'weekly'))
ORDER BY (k.kind = 'weekly') DESC, k.item_id, k.location_id
