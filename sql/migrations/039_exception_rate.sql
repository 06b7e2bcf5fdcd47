-- 039: the business KPI of the metrics contract beside the statistical ones: the exception rate,
-- the share of series whose forecast missed by more than an operational tolerance. Per series and
-- role over the last 4 landed weeks, a series is an exception when its forecast total is off its
-- actual total by more than exception_tolerance x the actual total (at least one unit, so that a
-- series that sold nothing is an exception only when it was forecast to sell more than the
-- tolerance). The tolerance is per frequency in forecast.service_objectives (default 0.3; set from
-- the contract's "business" section by `forecastctl objectives --apply`).
ALTER TABLE forecast.service_objectives
    ADD COLUMN exception_tolerance double precision NOT NULL DEFAULT 0.3,
    ADD CONSTRAINT exception_tolerance_in_range CHECK (exception_tolerance > 0 AND exception_tolerance <= 10);
COMMENT ON COLUMN forecast.service_objectives.exception_tolerance IS
    'A series is an exception when its 4-week forecast total misses its actual total by more than this share of the actual (forecast.exceptions_4w).';

-- Per series: the list a planner works through (served forecasts first).
CREATE VIEW forecast.exceptions_4w AS
WITH per_series AS (
    SELECT frequency, role, item_id, location_id, min(category) AS category, min(region) AS region,
           min(demand_class) AS demand_class, count(*) AS forecasts, sum(yhat) AS forecast_total, sum(actual) AS actual_total
    FROM forecast.evaluation_current
    WHERE in_last_4_weeks
    GROUP BY frequency, role, item_id, location_id
)
SELECT p.*, p.forecast_total - p.actual_total AS miss,
       (p.forecast_total - p.actual_total) / greatest(p.actual_total, 1) AS miss_share,
       coalesce(o.exception_tolerance, 0.3) AS tolerance,
       abs(p.forecast_total - p.actual_total) > coalesce(o.exception_tolerance, 0.3) * greatest(p.actual_total, 1) AS exception
FROM per_series p
LEFT JOIN forecast.service_objectives o ON o.frequency = p.frequency;
COMMENT ON VIEW forecast.exceptions_4w IS
    'Per frequency, role and series over the last 4 landed weeks: forecast and actual totals, the miss, and whether it exceeds the tolerance (service_objectives.exception_tolerance x the actual total, at least one unit): the exceptions a planner reviews.';

-- accuracy_4w gains exception_rate (per frequency and role, overall and per category, region and
-- class; null per horizon, where a series total means nothing), appended as its last column.
CREATE OR REPLACE VIEW forecast.accuracy_4w AS
WITH accuracy AS (
    SELECT frequency, role,
           CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
                WHEN GROUPING(demand_class) = 0 THEN 'class' WHEN GROUPING(horizon) = 0 THEN 'horizon' ELSE 'all' END AS segment_kind,
           coalesce(category, region, demand_class, horizon::text, 'all') AS segment,
           count(*) AS forecasts,
           sum(abs(yhat - actual)) / nullif(sum(abs(actual)), 0) AS wape,
           avg(abs(yhat - actual) / nullif(mase_scale, 0)) AS mase,
           sum(yhat - actual) / nullif(sum(abs(actual)), 0) AS bias,
           avg(CASE WHEN actual BETWEEN yhat_lower AND yhat_upper THEN 1.0 ELSE 0.0 END) AS coverage,
           string_agg(DISTINCT model_version, ', ') AS model_versions
    FROM forecast.evaluation_current
    WHERE in_last_4_weeks
    GROUP BY GROUPING SETS ((frequency, role), (frequency, role, category), (frequency, role, region),
                            (frequency, role, demand_class), (frequency, role, horizon))
), exceptions AS (
    SELECT frequency, role,
           CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
                WHEN GROUPING(demand_class) = 0 THEN 'class' ELSE 'all' END AS segment_kind,
           coalesce(category, region, demand_class, 'all') AS segment,
           avg(CASE WHEN exception THEN 1.0 ELSE 0.0 END) AS exception_rate
    FROM forecast.exceptions_4w
    GROUP BY GROUPING SETS ((frequency, role), (frequency, role, category), (frequency, role, region), (frequency, role, demand_class))
)
SELECT a.frequency, a.role, a.segment_kind, a.segment, a.forecasts, a.wape, a.mase, a.bias, a.coverage, a.model_versions,
       x.exception_rate
FROM accuracy a
LEFT JOIN exceptions x USING (frequency, role, segment_kind, segment);
COMMENT ON VIEW forecast.accuracy_4w IS
    'Rolling 4-week WAPE, MASE, bias, interval coverage and exception rate (forecast.exceptions_4w) of published forecasts whose actuals have landed, per role (served, shadow, baseline), overall and per category, region, demand class and horizon.';
