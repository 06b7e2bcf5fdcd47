-- name: sales_period_landed
-- table: demand.sales
-- severity: block
-- applies_to: runs
-- waived_by: accept_empty_period
-- owner: data-engineering
-- description: The cutoff's period has landed: it holds sales rows from at least the minimum landed share (--min-landed-share, default 0.5) of the series that the same period of the four weeks before holds on average (the same weekday for daily runs, so a weekly closing day is compared with itself). A period that has not landed would be read as zero demand for every series and published. Load it first; a genuinely empty period (a closure) is accepted with `run --accept-empty-period`, recorded on the run.
WITH reference AS (
    SELECT k, @period_start - 7 * k AS period_start FROM generate_series(0, 4) k
), present AS (
    SELECT DISTINCT r.k, s.item_id, s.location_id
    FROM reference r
    JOIN @schema.sales s ON s.ds >= r.period_start AND s.ds < r.period_start + @step AND s.loaded_at <= @as_of
), landed AS (
    SELECT r.k, count(p.k) AS series FROM reference r LEFT JOIN present p ON p.k = r.k GROUP BY r.k
), summary AS (
    SELECT max(series) FILTER (WHERE k = 0) AS series_landed,
           avg(series) FILTER (WHERE k > 0 AND series > 0) AS recent_average
    FROM landed
)
SELECT @cutoff AS cutoff, @period_start AS period_start, s.series_landed,
       round(s.recent_average, 1) AS series_same_period_4_weeks_before, @min_landed_share AS min_landed_share
FROM summary s
WHERE s.recent_average IS NOT NULL AND s.series_landed < @min_landed_share * s.recent_average
