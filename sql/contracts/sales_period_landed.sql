-- name: sales_period_landed
-- table: demand.sales
-- severity: block
-- applies_to: runs
-- waived_by: accept_empty_period
-- owner: data-engineering
-- description: The cutoff's period has landed: it holds sales rows from at least the minimum landed share (--min-landed-share, default 0.5) of the series that the same period of the four weeks before holds on average (the same weekday for daily runs, so a weekly closing day is compared with itself). A period that has not landed would be read as zero demand for every series and published. Load it first; a genuinely empty period (a closure) is accepted with `run --accept-empty-period`, recorded on the run.
WITH reference AS (
    SELECT k, @period_start - 7 * k AS period_start FROM generate_series(0, 4) k
), landed AS (
    -- A daily period holds one row per series (the sales key is unique per series and day), so
    -- its series are its rows, counted from the (ds) INCLUDE (loaded_at) index alone: at a million
    -- series, DISTINCT keys fetched 5M heap rows (24-51 s). Rows with a NULL key are counted as a
    -- series here; sales_null_keys blocks such a run anyway. Longer periods count distinct keys.
    SELECT r.k, (SELECT count(*) FROM @schema.sales s
                 WHERE s.ds >= r.period_start AND s.ds < r.period_start + @step AND s.loaded_at <= @as_of) AS series
    FROM reference r WHERE @step = interval '1 day'
    UNION ALL
    SELECT r.k, (SELECT count(*) FROM (SELECT DISTINCT s.item_id, s.location_id FROM @schema.sales s
                                       WHERE s.ds >= r.period_start AND s.ds < r.period_start + @step
                                         AND s.loaded_at <= @as_of) d) AS series
    FROM reference r WHERE @step <> interval '1 day'
), summary AS (
    SELECT max(series) FILTER (WHERE k = 0) AS series_landed,
           avg(series) FILTER (WHERE k > 0 AND series > 0) AS recent_average
    FROM landed
)
SELECT @cutoff AS cutoff, @period_start AS period_start, s.series_landed,
       round(s.recent_average, 1) AS series_same_period_4_weeks_before, @min_landed_share AS min_landed_share
FROM summary s
WHERE s.recent_average IS NOT NULL AND s.series_landed < @min_landed_share * s.recent_average
