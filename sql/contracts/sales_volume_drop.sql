-- name: sales_volume_drop
-- table: demand.sales
-- severity: warn
-- owner: data-engineering
-- description: The last period's row count is far below the trailing 28-period average: a partial load?
WITH per_period AS (
    SELECT ds, count(*) AS n
    FROM @schema.sales
    WHERE ds > @cutoff - @step * 29 AND ds <= @cutoff AND loaded_at <= @as_of
    GROUP BY ds
), baseline AS (
    SELECT avg(n) AS avg_n FROM per_period WHERE ds < @cutoff
)
SELECT @cutoff AS ds, coalesce((SELECT n FROM per_period WHERE ds = @cutoff), 0) AS rows_on_cutoff,
       round(t.avg_n, 1) AS trailing_average
FROM baseline t
WHERE t.avg_n IS NOT NULL
  AND coalesce((SELECT n FROM per_period WHERE ds = @cutoff), 0) < @min_volume_ratio * t.avg_n
