-- 019: delayed ground truth. Forecasts are judged when their actuals land: `forecastctl evaluate`
-- joins the rows of published runs (served, shadow and the seasonal-naive baseline) with the
-- sales of their target period into forecast.evaluations, incrementally and idempotently; a
-- restated actual replaces the evaluation and keeps the replaced one (replaced_at).
-- Also the per-series monitoring profile every run writes (forecast.series_stats).

CREATE TABLE forecast.series_stats (
    run_id                bigint NOT NULL,
    item_id               text COLLATE "C" NOT NULL,
    location_id           text COLLATE "C" NOT NULL,
    periods               integer NOT NULL,
    recent_mean           double precision NOT NULL,
    recent_sd             double precision NOT NULL,
    recent_zero_share     double precision NOT NULL,
    recent_stockout_share double precision NOT NULL,
    mase_scale            double precision NOT NULL,
    demand_class          text NOT NULL,
    served_model          text NOT NULL,
    forecast_mean         double precision NOT NULL,
    forecast_width        double precision NOT NULL,
    CONSTRAINT series_stats_pkey PRIMARY KEY (run_id, item_id, location_id)
);
CREATE TRIGGER series_stats_only_while_running
    AFTER INSERT ON forecast.series_stats
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
COMMENT ON TABLE forecast.series_stats IS
    'Per run and series, what the model saw: history length, recent (28 days / 13 weeks) mean, sd, zero and stockout shares; the demand class; the model that served it; the mean forecast and interval width; the MASE scale (in-sample MAE of the seasonal naive forecast). Written with the forecasts.';

CREATE TABLE forecast.evaluations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    role             text NOT NULL,
    frequency        text NOT NULL,
    cutoff           date NOT NULL,
    item_id          text COLLATE "C" NOT NULL,
    location_id      text COLLATE "C" NOT NULL,
    ds               date NOT NULL,
    horizon          integer NOT NULL,
    model_version    text NOT NULL,
    model_name       text NOT NULL,
    yhat             double precision NOT NULL,
    yhat_lower       double precision NOT NULL,
    yhat_upper       double precision NOT NULL,
    actual           double precision NOT NULL,
    actual_loaded_at timestamptz,
    mase_scale       double precision,
    evaluated_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    replaced_at      timestamptz,
    CONSTRAINT evaluation_role_is_known CHECK (role IN ('served', 'shadow', 'baseline'))
);
CREATE UNIQUE INDEX evaluations_current_key ON forecast.evaluations (run_id, role, item_id, location_id, ds)
    WHERE replaced_at IS NULL;
CREATE INDEX evaluations_current_by_target ON forecast.evaluations (frequency, ds) WHERE replaced_at IS NULL;
CREATE INDEX evaluations_current_by_key ON forecast.evaluations (item_id, location_id, ds) WHERE replaced_at IS NULL;
COMMENT ON TABLE forecast.evaluations IS
    'A published forecast (served, shadow or baseline) with the actual of its target period once it landed (a missing sales row = 0). replaced_at: a restated actual replaced this row; the current row has replaced_at NULL.';
COMMENT ON COLUMN forecast.evaluations.actual_loaded_at IS 'loaded_at of the sales row the actual came from (NULL: no row, zero sales).';

CREATE TABLE forecast.evaluation_passes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    input_schema   text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    landed_through date,
    loaded_through timestamptz,
    evaluated      integer NOT NULL DEFAULT 0,
    restated       integer NOT NULL DEFAULT 0,
    db_role        text NOT NULL DEFAULT session_user,
    os_user        text
);
COMMENT ON TABLE forecast.evaluation_passes IS
    'One row per forecastctl evaluate: how far actuals had landed (newest sales date and load time), how many forecasts it evaluated and how many restated actuals it followed.';

-- Current evaluations of the runs still published for their cutoff (a rerun supersedes), with the
-- series' segments as of the run's cutoff and whether the target falls in the last 4 landed weeks.
CREATE VIEW forecast.evaluation_current AS
SELECT e.*, coalesce(s.category, '?') AS category, coalesce(s.region, '?') AS region,
       coalesce(st.demand_class, '?') AS demand_class,
       (e.ds > max(e.ds) OVER (PARTITION BY e.frequency) - 28) AS in_last_4_weeks
FROM forecast.evaluations e
JOIN forecast.runs r ON r.id = e.run_id AND r.status = 'published'
LEFT JOIN forecast.run_series s ON s.run_id = e.run_id AND s.item_id = e.item_id AND s.location_id = e.location_id
LEFT JOIN forecast.series_stats st ON st.run_id = e.run_id AND st.item_id = e.item_id AND st.location_id = e.location_id
WHERE e.replaced_at IS NULL;

-- Rolling 4-week accuracy (target periods in the last 28 days that have landed) per frequency and
-- role (served = production, shadow, baseline = seasonal naive), overall, per segment and per horizon.
CREATE VIEW forecast.accuracy_4w AS
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
                        (frequency, role, demand_class), (frequency, role, horizon));
COMMENT ON VIEW forecast.accuracy_4w IS
    'Rolling 4-week WAPE, MASE, bias and interval coverage of published forecasts whose actuals have landed, per role (served, shadow, baseline), overall and per category, region, demand class and horizon.';

-- Forecast value added: the served forecast against the seasonal-naive baseline on the same
-- series and periods (and the shadow where it ran), last 4 weeks.
CREATE VIEW forecast.forecast_value_added AS
WITH paired AS (
    SELECT s.frequency, s.category, s.region, s.demand_class, s.actual,
           abs(s.yhat - s.actual) AS served_error, abs(b.yhat - b.actual) AS baseline_error,
           abs(sh.yhat - sh.actual) AS shadow_error
    FROM forecast.evaluation_current s
    JOIN forecast.evaluation_current b ON b.run_id = s.run_id AND b.role = 'baseline' AND b.item_id = s.item_id
                                      AND b.location_id = s.location_id AND b.ds = s.ds
    LEFT JOIN forecast.evaluation_current sh ON sh.run_id = s.run_id AND sh.role = 'shadow' AND sh.item_id = s.item_id
                                            AND sh.location_id = s.location_id AND sh.ds = s.ds
    WHERE s.role = 'served' AND s.in_last_4_weeks
)
SELECT frequency,
       CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
            WHEN GROUPING(demand_class) = 0 THEN 'class' ELSE 'all' END AS segment_kind,
       coalesce(category, region, demand_class, 'all') AS segment,
       count(*) AS forecasts,
       sum(served_error) / nullif(sum(abs(actual)), 0) AS served_wape,
       sum(baseline_error) / nullif(sum(abs(actual)), 0) AS baseline_wape,
       sum(shadow_error) / nullif(sum(abs(actual)) FILTER (WHERE shadow_error IS NOT NULL), 0) AS shadow_wape,
       1 - sum(served_error) / nullif(sum(baseline_error), 0) AS value_added
FROM paired
GROUP BY GROUPING SETS ((frequency), (frequency, category), (frequency, region), (frequency, demand_class));
COMMENT ON VIEW forecast.forecast_value_added IS
    'Last 4 weeks: WAPE of the served forecast, the seasonal-naive baseline and the shadow on the same rows; value_added = 1 - served error / baseline error (0.2: 20% less absolute error than the baseline; below 0: the baseline would have done better).';

-- The series whose served forecasts cost the most absolute error in the last 4 weeks.
CREATE VIEW forecast.top_offenders AS
SELECT frequency, item_id, location_id, category, region, demand_class, count(*) AS forecasts,
       sum(abs(yhat - actual)) AS abs_error,
       sum(abs(yhat - actual)) / nullif(sum(sum(abs(yhat - actual))) OVER (PARTITION BY frequency), 0) AS error_share,
       sum(abs(yhat - actual)) / nullif(sum(abs(actual)), 0) AS wape,
       sum(yhat - actual) / nullif(sum(abs(actual)), 0) AS bias,
       rank() OVER (PARTITION BY frequency ORDER BY sum(abs(yhat - actual)) DESC) AS rank
FROM forecast.evaluation_current
WHERE role = 'served' AND in_last_4_weeks
GROUP BY frequency, item_id, location_id, category, region, demand_class;
COMMENT ON VIEW forecast.top_offenders IS
    'Last 4 weeks, served forecasts: per series its absolute error and share of the total (rank 1 = the largest impact), WAPE and bias.';
