-- name: sales_volume_drop
-- table: demand.sales
-- severity: warn
-- owner: data-engineering
-- description: The last period's row count is far below the trailing 28-period average: a partial load?
WITH per_period AS (
    SELECT date_bin(@step, s.ds::timestamp, @period_start::timestamp)::date AS period, count(*) AS n
    FROM @schema.sales s
    WHERE s.ds >= @period_start - @step * 28 AND s.ds <= @cutoff AND s.loaded_at <= @as_of
    GROUP BY 1
), baseline AS (
    SELECT avg(n) AS avg_n FROM per_period WHERE period < @period_start
)
SELECT @period_start AS period, coalesce((SELECT n FROM per_period WHERE period = @period_start), 0) AS rows_in_last_period,
       round(t.avg_n, 1) AS trailing_average
FROM baseline t
WHERE t.avg_n IS NOT NULL
  AND coalesce((SELECT n FROM per_period WHERE period = @period_start), 0) < @min_volume_ratio * t.avg_n
