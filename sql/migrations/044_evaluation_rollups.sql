-- 044: the 4-week accuracy views read rollups, not every evaluation. At a steady state (a month of
-- runs kept, four evaluated horizons) a million daily series leave 336 million current evaluations
-- in the 4-week window; each view aggregated all of them (and sorted every evaluation ever kept for
-- the window's bound) on every read: accuracy_4w took 85 s at 100k series, top_offenders 36 s, the
-- monitor and report read several of them. Now `forecastctl evaluate` keeps two rollups as part of
-- its pass, and the views read those:
--   forecast.evaluation_rollup        per run, role, target day, segment (category, region, demand
--                                     class) and model version: sums of errors, actuals, coverage and
--                                     the served forecast's pairs with the baseline and the shadow.
--                                     One partition per run, rebuilt for the (run, day) pairs a pass
--                                     touched (new evaluations and restated actuals).
--   forecast.evaluation_level_rollup  per run, target day and interval level: served forecasts and
--                                     how many actuals each level held. One partition per run.
--   forecast.series_days              per frequency, target day, role and series over the published
--                                     runs: totals for the per-series views (exceptions, top
--                                     offenders), kept for the 4-week window only; a day is rebuilt
--                                     when the runs it sums, or their rollups, changed.
--   forecast.series_4w                per frequency, role and series: the window's totals, rebuilt
--                                     from series_days when a day changed.
-- Both are written only by SECURITY DEFINER functions (forecast.roll_up_evaluations,
-- forecast.roll_up_series): the roles read them, none writes them by hand. The views show the
-- state of the last evaluate pass; a run superseded or rolled back since drops out of the
-- per-segment views at once and out of the per-series ones at the next pass.

CREATE TABLE forecast.evaluation_rollup (
    run_id                bigint NOT NULL,
    role                  text NOT NULL,
    frequency             text NOT NULL,
    ds                    date NOT NULL,
    horizon               integer NOT NULL,
    category              text NOT NULL,
    region                text NOT NULL,
    demand_class          text NOT NULL,
    model_version         text NOT NULL,
    forecasts             bigint NOT NULL,
    abs_error             double precision NOT NULL,
    abs_actual            double precision NOT NULL,
    error                 double precision NOT NULL,
    yhat_total            double precision NOT NULL,
    actual_total          double precision NOT NULL,
    scaled_error          double precision,
    scaled                bigint NOT NULL,
    covered               bigint NOT NULL,
    paired                bigint NOT NULL,
    paired_abs_actual     double precision,
    paired_error          double precision,
    paired_baseline_error double precision,
    shadowed_abs_actual   double precision,
    shadowed_error        double precision,
    rolled_at             timestamptz NOT NULL DEFAULT clock_timestamp()
) PARTITION BY LIST (run_id);
CREATE INDEX evaluation_rollup_by_target ON forecast.evaluation_rollup (frequency, ds);
COMMENT ON TABLE forecast.evaluation_rollup IS
    'Per run, role, target day, segment and model version: the sums the 4-week accuracy views need (absolute error, |actual|, signed error, totals, MASE-scaled error and its count, covered actuals; on served rows the pairs with the baseline and shadow of the same targets). Written by forecastctl evaluate through forecast.roll_up_evaluations; one partition per run.';

CREATE TABLE forecast.evaluation_level_rollup (
    run_id         bigint NOT NULL,
    frequency      text NOT NULL,
    ds             date NOT NULL,
    interval_level double precision NOT NULL,
    own            boolean NOT NULL,
    forecasts      bigint NOT NULL,
    covered        bigint NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE forecast.evaluation_level_rollup IS
    'Per run, target day and interval level (own: the run''s interval; else one of --levels): served forecasts evaluated and how many actuals the level held. Written by forecast.roll_up_evaluations; one partition per run.';

CREATE OR REPLACE FUNCTION forecast.run_partitioned_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['forecasts', 'side_forecast_paths', 'series_stats', 'run_series', 'evaluations', 'forecast_quantiles',
                 'run_category_prices', 'evaluation_rollup', 'evaluation_level_rollup']
$$;
SELECT forecast.attach_partition(t, id)
FROM forecast.runs CROSS JOIN unnest(ARRAY['evaluation_rollup', 'evaluation_level_rollup']) t
WHERE purged_at IS NULL;
COMMENT ON COLUMN forecast.runs.purged_at IS 'When forecastctl retention dropped this run''s partitions (forecasts, side forecasts, series stats, run series, evaluations and their rollups, quantiles, competing prices). The run row stays.';

CREATE TABLE forecast.series_days (
    frequency    text NOT NULL,
    ds           date NOT NULL,
    role         text NOT NULL,
    item_id      text COLLATE "C" NOT NULL,
    location_id  text COLLATE "C" NOT NULL,
    category     text NOT NULL,
    region       text NOT NULL,
    demand_class text NOT NULL,
    forecasts    bigint NOT NULL,
    yhat_total   double precision NOT NULL,
    actual_total double precision NOT NULL,
    abs_error    double precision NOT NULL,
    error        double precision NOT NULL,
    abs_actual   double precision NOT NULL,
    CONSTRAINT series_days_pkey PRIMARY KEY (frequency, ds, role, item_id, location_id)
);
COMMENT ON TABLE forecast.series_days IS
    'Per frequency, target day, role and series, over the published runs evaluated for that day: forecast and actual totals, absolute and signed error. The 4-week window only; written by forecast.roll_up_series.';

CREATE TABLE forecast.series_day_sources (
    frequency text NOT NULL,
    ds        date NOT NULL,
    runs      bigint[] NOT NULL,
    rolled_at timestamptz NOT NULL,
    CONSTRAINT series_day_sources_pkey PRIMARY KEY (frequency, ds)
);
COMMENT ON TABLE forecast.series_day_sources IS
    'What each day of forecast.series_days was summed from: the published runs and the newest rollup of theirs for that day. A day whose runs or rollups differ is rebuilt.';

CREATE TABLE forecast.series_4w (
    frequency    text NOT NULL,
    role         text NOT NULL,
    item_id      text COLLATE "C" NOT NULL,
    location_id  text COLLATE "C" NOT NULL,
    category     text NOT NULL,
    region       text NOT NULL,
    demand_class text NOT NULL,
    forecasts    bigint NOT NULL,
    yhat_total   double precision NOT NULL,
    actual_total double precision NOT NULL,
    abs_error    double precision NOT NULL,
    error        double precision NOT NULL,
    abs_actual   double precision NOT NULL,
    CONSTRAINT series_4w_pkey PRIMARY KEY (frequency, role, item_id, location_id)
);
COMMENT ON TABLE forecast.series_4w IS
    'Per frequency, role and series: the totals of the last 4 landed weeks (forecast.series_days summed). Read forecast.exceptions_4w and forecast.top_offenders.';

-- One run's rollups for some target days (all of them when p_days is NULL), from its current evaluations.
-- No join between derived row sets and no nested loops: the newest day's evaluations were written
-- in this transaction, so the planner's statistics say there are none, and a nested loop over
-- 200,000 rows it thought were one took minutes (measured at 100k series); the baseline's and the
-- shadow's errors come beside the served one by a window over each target instead of a self-join.
CREATE FUNCTION forecast.roll_up_evaluations(p_run bigint, p_days date[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET enable_nestloop = off AS $$
DECLARE
    run_frequency text;
    own_level double precision;
    written bigint;
BEGIN
    SELECT frequency INTO run_frequency FROM forecast.runs WHERE id = p_run AND purged_at IS NULL;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- The run's own interval level (one per run: every row is written at the run's --level).
    SELECT interval_level INTO own_level FROM forecast.forecasts WHERE run_id = p_run LIMIT 1;
    DELETE FROM forecast.evaluation_rollup WHERE run_id = p_run AND (p_days IS NULL OR ds = ANY (p_days));
    DELETE FROM forecast.evaluation_level_rollup WHERE run_id = p_run AND (p_days IS NULL OR ds = ANY (p_days));
    WITH cur AS MATERIALIZED (
        SELECT e.role, e.ds, e.horizon, e.item_id, e.location_id, e.model_version, e.yhat, e.yhat_lower, e.yhat_upper,
               e.actual, e.mase_scale, coalesce(s.category, '?') AS category, coalesce(s.region, '?') AS region,
               coalesce(st.demand_class, '?') AS demand_class,
               max(abs(e.yhat - e.actual)) FILTER (WHERE e.role = 'baseline') OVER target AS baseline_error,
               max(abs(e.yhat - e.actual)) FILTER (WHERE e.role = 'shadow') OVER target AS shadow_error
        FROM forecast.evaluations e
        LEFT JOIN forecast.run_series s ON s.run_id = p_run AND s.item_id = e.item_id AND s.location_id = e.location_id
        LEFT JOIN forecast.series_stats st ON st.run_id = p_run AND st.item_id = e.item_id AND st.location_id = e.location_id
        WHERE e.run_id = p_run AND e.frequency = run_frequency AND e.replaced_at IS NULL
          AND (p_days IS NULL OR e.ds = ANY (p_days))
        WINDOW target AS (PARTITION BY e.item_id, e.location_id, e.ds)),
    rolled AS (
        INSERT INTO forecast.evaluation_rollup (run_id, role, frequency, ds, horizon, category, region, demand_class,
            model_version, forecasts, abs_error, abs_actual, error, yhat_total, actual_total, scaled_error, scaled, covered,
            paired, paired_abs_actual, paired_error, paired_baseline_error, shadowed_abs_actual, shadowed_error)
        SELECT p_run, c.role, run_frequency, c.ds, c.horizon, c.category, c.region, c.demand_class, c.model_version,
               count(*), sum(abs(c.yhat - c.actual)), sum(abs(c.actual)), sum(c.yhat - c.actual), sum(c.yhat), sum(c.actual),
               sum(abs(c.yhat - c.actual) / nullif(c.mase_scale, 0)), count(abs(c.yhat - c.actual) / nullif(c.mase_scale, 0)),
               count(*) FILTER (WHERE c.actual BETWEEN c.yhat_lower AND c.yhat_upper),
               -- on served rows: the targets the baseline (and the shadow) also forecast
               count(*) FILTER (WHERE c.role = 'served' AND c.baseline_error IS NOT NULL),
               sum(abs(c.actual)) FILTER (WHERE c.role = 'served' AND c.baseline_error IS NOT NULL),
               sum(abs(c.yhat - c.actual)) FILTER (WHERE c.role = 'served' AND c.baseline_error IS NOT NULL),
               sum(c.baseline_error) FILTER (WHERE c.role = 'served'),
               sum(abs(c.actual)) FILTER (WHERE c.role = 'served' AND c.baseline_error IS NOT NULL AND c.shadow_error IS NOT NULL),
               sum(c.shadow_error) FILTER (WHERE c.role = 'served' AND c.baseline_error IS NOT NULL)
        FROM cur c
        GROUP BY c.role, c.ds, c.horizon, c.category, c.region, c.demand_class, c.model_version
        RETURNING 1)
    INSERT INTO forecast.evaluation_level_rollup (run_id, frequency, ds, interval_level, own, forecasts, covered)
    SELECT p_run, run_frequency, c.ds, own_level, true, count(*), count(*) FILTER (WHERE c.actual BETWEEN c.yhat_lower AND c.yhat_upper)
    FROM cur c
    WHERE c.role = 'served' AND own_level IS NOT NULL
    GROUP BY c.ds
    UNION ALL
    SELECT p_run, run_frequency, c.ds, q.interval_level, false, count(*),
           count(*) FILTER (WHERE c.actual BETWEEN q.yhat_lower[c.horizon] AND q.yhat_upper[c.horizon])
    FROM cur c JOIN forecast.forecast_quantiles q ON q.run_id = p_run AND q.item_id = c.item_id AND q.location_id = c.location_id
    WHERE c.role = 'served'
    GROUP BY c.ds, q.interval_level;
    SELECT count(*) INTO written FROM forecast.evaluation_rollup WHERE run_id = p_run AND (p_days IS NULL OR ds = ANY (p_days));
    RETURN written;
END $$;
REVOKE ALL ON FUNCTION forecast.roll_up_evaluations(bigint, date[]) FROM PUBLIC;
COMMENT ON FUNCTION forecast.roll_up_evaluations(bigint, date[]) IS
    'Rebuilds one run''s rows of forecast.evaluation_rollup and forecast.evaluation_level_rollup for the given target days (NULL: all) from its current evaluations; returns the rollup rows written. Called by forecastctl evaluate for each (run, day) its pass touched.';

-- Published rollup rows, with whether the target day is in the last 4 landed weeks of its frequency.
CREATE VIEW forecast.evaluation_rollup_current AS
SELECT u.*, (u.ds > max(u.ds) OVER (PARTITION BY u.frequency) - 28) AS in_last_4_weeks
FROM forecast.evaluation_rollup u
JOIN forecast.runs r ON r.id = u.run_id AND r.status = 'published';
COMMENT ON VIEW forecast.evaluation_rollup_current IS
    'forecast.evaluation_rollup of the runs still published for their cutoff, with in_last_4_weeks (target day after the newest evaluated day of the frequency minus 28).';

-- The 4-week window of forecast.series_days: rebuild the days whose published runs or their
-- rollups changed since they were summed, drop the days that left the window, and sum the window
-- per series again when anything changed. Returns the days rebuilt or dropped.
CREATE FUNCTION forecast.roll_up_series() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET enable_nestloop = off AS $$
DECLARE
    f record;
    d record;
    changed integer := 0;
    changed_here integer;
    dropped integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('forecast.series_days'));
    FOR f IN
        SELECT DISTINCT frequency FROM forecast.series_day_sources
        UNION
        SELECT DISTINCT u.frequency FROM forecast.evaluation_rollup u JOIN forecast.runs r ON r.id = u.run_id AND r.status = 'published'
    LOOP
        changed_here := 0;
        FOR d IN
            WITH now_days AS (
                SELECT u.ds, array_agg(DISTINCT u.run_id ORDER BY u.run_id) AS runs, max(u.rolled_at) AS rolled_at
                FROM forecast.evaluation_rollup u JOIN forecast.runs r ON r.id = u.run_id AND r.status = 'published'
                WHERE u.frequency = f.frequency
                GROUP BY u.ds),
            windowed AS (
                SELECT * FROM now_days WHERE ds > (SELECT max(ds) FROM now_days) - 28)
            SELECT w.ds, w.runs, w.rolled_at FROM windowed w
            LEFT JOIN forecast.series_day_sources s ON s.frequency = f.frequency AND s.ds = w.ds
            WHERE s.ds IS NULL OR s.runs <> w.runs OR s.rolled_at <> w.rolled_at
            ORDER BY w.ds
        LOOP
            DELETE FROM forecast.series_days WHERE frequency = f.frequency AND ds = d.ds;
            INSERT INTO forecast.series_days (frequency, ds, role, item_id, location_id, category, region, demand_class,
                forecasts, yhat_total, actual_total, abs_error, error, abs_actual)
            SELECT f.frequency, d.ds, e.role, e.item_id, e.location_id, min(coalesce(s.category, '?')), min(coalesce(s.region, '?')),
                   min(coalesce(st.demand_class, '?')), count(*), sum(e.yhat), sum(e.actual), sum(abs(e.yhat - e.actual)),
                   sum(e.yhat - e.actual), sum(abs(e.actual))
            FROM forecast.evaluations e
            LEFT JOIN forecast.run_series s ON s.run_id = e.run_id AND s.item_id = e.item_id AND s.location_id = e.location_id
                                           AND s.run_id = ANY (d.runs)
            LEFT JOIN forecast.series_stats st ON st.run_id = e.run_id AND st.item_id = e.item_id AND st.location_id = e.location_id
                                              AND st.run_id = ANY (d.runs)
            WHERE e.run_id = ANY (d.runs) AND e.frequency = f.frequency AND e.ds = d.ds AND e.replaced_at IS NULL
            GROUP BY e.role, e.item_id, e.location_id;
            INSERT INTO forecast.series_day_sources (frequency, ds, runs, rolled_at) VALUES (f.frequency, d.ds, d.runs, d.rolled_at)
            ON CONFLICT (frequency, ds) DO UPDATE SET runs = EXCLUDED.runs, rolled_at = EXCLUDED.rolled_at;
            changed_here := changed_here + 1;
        END LOOP;
        -- Days that left the window, or whose runs all left (superseded, purged).
        WITH now_days AS (
            SELECT DISTINCT u.ds FROM forecast.evaluation_rollup u JOIN forecast.runs r ON r.id = u.run_id AND r.status = 'published'
            WHERE u.frequency = f.frequency),
        gone AS (
            DELETE FROM forecast.series_day_sources s
            WHERE s.frequency = f.frequency
              AND (s.ds NOT IN (SELECT ds FROM now_days) OR s.ds <= (SELECT max(ds) FROM now_days) - 28
                   OR NOT EXISTS (SELECT 1 FROM now_days))
            RETURNING s.ds)
        SELECT count(*) INTO dropped FROM gone;
        IF dropped > 0 THEN
            DELETE FROM forecast.series_days x WHERE x.frequency = f.frequency
              AND NOT EXISTS (SELECT 1 FROM forecast.series_day_sources s WHERE s.frequency = f.frequency AND s.ds = x.ds);
            changed_here := changed_here + dropped;
        END IF;
        IF changed_here > 0 THEN
            DELETE FROM forecast.series_4w WHERE frequency = f.frequency;
            INSERT INTO forecast.series_4w (frequency, role, item_id, location_id, category, region, demand_class, forecasts,
                yhat_total, actual_total, abs_error, error, abs_actual)
            SELECT f.frequency, role, item_id, location_id, min(category), min(region), min(demand_class), sum(forecasts)::bigint,
                   sum(yhat_total), sum(actual_total), sum(abs_error), sum(error), sum(abs_actual)
            FROM forecast.series_days WHERE frequency = f.frequency
            GROUP BY role, item_id, location_id;
        END IF;
        changed := changed + changed_here;
    END LOOP;
    RETURN changed;
END $$;
REVOKE ALL ON FUNCTION forecast.roll_up_series() FROM PUBLIC;
COMMENT ON FUNCTION forecast.roll_up_series() IS
    'Brings forecast.series_days and forecast.series_4w up to the published runs'' rollups: rebuilds the days of the 4-week window whose runs or rollups changed, drops the days that left it. Called at the end of each forecastctl evaluate pass.';

-- The views, same columns as before, from the rollups.
CREATE OR REPLACE VIEW forecast.exceptions_4w AS
SELECT p.frequency, p.role, p.item_id, p.location_id, p.category, p.region, p.demand_class, p.forecasts,
       p.yhat_total AS forecast_total, p.actual_total,
       p.yhat_total - p.actual_total AS miss,
       (p.yhat_total - p.actual_total) / greatest(p.actual_total, 1) AS miss_share,
       coalesce(o.exception_tolerance, 0.3) AS tolerance,
       abs(p.yhat_total - p.actual_total) > coalesce(o.exception_tolerance, 0.3) * greatest(p.actual_total, 1) AS exception
FROM forecast.series_4w p
LEFT JOIN forecast.service_objectives o ON o.frequency = p.frequency;

CREATE OR REPLACE VIEW forecast.accuracy_4w AS
WITH accuracy AS (
    SELECT frequency, role,
           CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
                WHEN GROUPING(demand_class) = 0 THEN 'class' WHEN GROUPING(horizon) = 0 THEN 'horizon' ELSE 'all' END AS segment_kind,
           coalesce(category, region, demand_class, horizon::text, 'all') AS segment,
           sum(forecasts)::bigint AS forecasts,
           sum(abs_error) / nullif(sum(abs_actual), 0) AS wape,
           sum(scaled_error) / nullif(sum(scaled), 0)::float8 AS mase,
           sum(error) / nullif(sum(abs_actual), 0) AS bias,
           sum(covered) / nullif(sum(forecasts), 0) AS coverage,
           string_agg(DISTINCT model_version, ', ') AS model_versions
    FROM forecast.evaluation_rollup_current
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

CREATE OR REPLACE VIEW forecast.forecast_value_added AS
SELECT frequency,
       CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
            WHEN GROUPING(demand_class) = 0 THEN 'class' ELSE 'all' END AS segment_kind,
       coalesce(category, region, demand_class, 'all') AS segment,
       sum(paired)::bigint AS forecasts,
       sum(paired_error) / nullif(sum(paired_abs_actual), 0) AS served_wape,
       sum(paired_baseline_error) / nullif(sum(paired_abs_actual), 0) AS baseline_wape,
       sum(shadowed_error) / nullif(sum(shadowed_abs_actual), 0) AS shadow_wape,
       1 - sum(paired_error) / nullif(sum(paired_baseline_error), 0) AS value_added
FROM forecast.evaluation_rollup_current
WHERE role = 'served' AND in_last_4_weeks AND paired > 0
GROUP BY GROUPING SETS ((frequency), (frequency, category), (frequency, region), (frequency, demand_class));

CREATE OR REPLACE VIEW forecast.top_offenders AS
SELECT frequency, item_id, location_id, category, region, demand_class, forecasts,
       abs_error,
       abs_error / nullif(sum(abs_error) OVER (PARTITION BY frequency), 0) AS error_share,
       abs_error / nullif(abs_actual, 0) AS wape,
       error / nullif(abs_actual, 0) AS bias,
       rank() OVER (PARTITION BY frequency ORDER BY abs_error DESC) AS rank
FROM forecast.series_4w
WHERE role = 'served';

CREATE OR REPLACE VIEW forecast.quantile_coverage_4w AS
SELECT l.frequency, l.interval_level, sum(l.forecasts)::bigint AS forecasts, sum(l.covered) / nullif(sum(l.forecasts), 0) AS coverage
FROM forecast.evaluation_level_rollup l
JOIN forecast.runs r ON r.id = l.run_id AND r.status = 'published'
JOIN (SELECT u.frequency, max(u.ds) - 28 AS after FROM forecast.evaluation_rollup u
      JOIN forecast.runs p ON p.id = u.run_id AND p.status = 'published' GROUP BY u.frequency) w
  ON w.frequency = l.frequency AND l.ds > w.after
GROUP BY l.frequency, l.interval_level, l.own;

-- The evaluations already made, rolled up once.
SELECT forecast.roll_up_evaluations(r.id, NULL)
FROM forecast.runs r
WHERE r.purged_at IS NULL AND EXISTS (SELECT 1 FROM forecast.evaluations e WHERE e.run_id = r.id);
SELECT forecast.roll_up_series();
