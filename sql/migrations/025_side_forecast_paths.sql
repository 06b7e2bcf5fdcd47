-- 025: a run's side forecasts (the shadow version's, and the seasonal-naive baseline kept for
-- evaluation) are stored as one row per run, role and series, with the horizon's dates and values
-- in arrays: forecast.side_forecast_paths. As one row per period they were the largest thing a run
-- wrote: at 10k daily series x 28 days, 273k baseline rows and 61 MB with their key (the served
-- forecasts took 46 MB), and writing them was a fifth of the workers' time. Nobody reads a side
-- forecast by period except through views, so forecast.side_forecasts is now a view with the same
-- columns (same names, types and order) over the arrays: forecast.shadow_comparison, `evaluate` and
-- shadow promotion read it unchanged. Rows already written move over, value for value.

CREATE TABLE forecast.side_forecast_paths (
    run_id         bigint NOT NULL,
    role           text NOT NULL,
    item_id        text COLLATE "C" NOT NULL,
    location_id    text COLLATE "C" NOT NULL,
    model_name     text NOT NULL,
    model_version  text NOT NULL,
    cutoff         date NOT NULL,
    generated_at   timestamptz NOT NULL,
    interval_level double precision NOT NULL,
    -- Element h - 1 is horizon h: its target period's first day, forecast and interval.
    ds             date[] NOT NULL,
    yhat           double precision[] NOT NULL,
    yhat_lower     double precision[] NOT NULL,
    yhat_upper     double precision[] NOT NULL,
    CONSTRAINT side_forecast_paths_pkey PRIMARY KEY (run_id, role, item_id, location_id),
    CONSTRAINT side_forecast_path_role_is_known CHECK (role IN ('shadow', 'baseline')),
    CONSTRAINT side_forecast_path_is_aligned CHECK (
        cardinality(ds) > 0 AND array_ndims(ds) = 1 AND array_lower(ds, 1) = 1
        AND cardinality(yhat) = cardinality(ds) AND cardinality(yhat_lower) = cardinality(ds)
        AND cardinality(yhat_upper) = cardinality(ds)
        AND array_position(ds, NULL) IS NULL AND array_position(yhat, NULL) IS NULL
        AND array_position(yhat_lower, NULL) IS NULL AND array_position(yhat_upper, NULL) IS NULL)
) PARTITION BY LIST (run_id);
COMMENT ON TABLE forecast.side_forecast_paths IS
    'Side forecasts of a run, one row per role (shadow, baseline) and series with the horizon in arrays (element h - 1 = horizon h), one partition per run. Read them per period in forecast.side_forecasts.';

-- The one list of per-run partitioned tables names the new table instead of the old one.
CREATE OR REPLACE FUNCTION forecast.run_partitioned_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['forecasts', 'side_forecast_paths', 'series_stats', 'run_series', 'evaluations']
$$;

DO $$
DECLARE
    v record;
    view_names text[] := '{}';
    view_defs text[] := '{}';
    saved_path text := current_setting('search_path');
    i integer;
BEGIN
    -- Views that read the old table, captured fully qualified, re-created over the new view below.
    PERFORM set_config('search_path', '', true);
    FOR v IN
        SELECT DISTINCT vc.oid, vc.oid::regclass::text AS name
        FROM pg_depend d
        JOIN pg_rewrite r ON r.oid = d.objid
        JOIN pg_class vc ON vc.oid = r.ev_class
        WHERE vc.relkind = 'v' AND d.refobjid = 'forecast.side_forecasts'::regclass AND vc.oid <> d.refobjid
    LOOP
        view_names := view_names || v.name;
        view_defs := view_defs || pg_get_viewdef(v.oid);
    END LOOP;
    PERFORM set_config('search_path', saved_path, true);

    -- A partition for every run that has one of the old table (purged runs have none).
    PERFORM forecast.attach_partition('side_forecast_paths', substring(c.relname FROM '_r([0-9]+)$')::bigint)
    FROM pg_inherits h
    JOIN pg_class c ON c.oid = h.inhrelid
    WHERE h.inhparent = 'forecast.side_forecasts'::regclass;

    INSERT INTO forecast.side_forecast_paths (run_id, role, item_id, location_id, model_name, model_version, cutoff,
                                              generated_at, interval_level, ds, yhat, yhat_lower, yhat_upper)
    SELECT run_id, role, item_id, location_id, model_name, model_version, cutoff, generated_at, interval_level,
           array_agg(ds ORDER BY horizon), array_agg(yhat ORDER BY horizon),
           array_agg(yhat_lower ORDER BY horizon), array_agg(yhat_upper ORDER BY horizon)
    FROM forecast.side_forecasts
    GROUP BY run_id, role, item_id, location_id, model_name, model_version, cutoff, generated_at, interval_level;

    FOR i IN 1 .. coalesce(array_length(view_names, 1), 0) LOOP
        EXECUTE format('DROP VIEW %s', view_names[i]);
    END LOOP;
    DROP TABLE forecast.side_forecasts;

    CREATE VIEW forecast.side_forecasts AS
    SELECT p.item_id, p.location_id, u.ds, u.horizon::integer AS horizon, u.yhat, u.yhat_lower, u.yhat_upper,
           p.interval_level, p.model_name, p.model_version, p.run_id, p.cutoff, p.generated_at, p.role
    FROM forecast.side_forecast_paths p
    CROSS JOIN LATERAL unnest(p.ds, p.yhat, p.yhat_lower, p.yhat_upper)
        WITH ORDINALITY AS u(ds, yhat, yhat_lower, yhat_upper, horizon);

    FOR i IN 1 .. coalesce(array_length(view_names, 1), 0) LOOP
        EXECUTE format('CREATE VIEW %s AS %s', view_names[i], view_defs[i]);
    END LOOP;
END $$;

COMMENT ON VIEW forecast.side_forecasts IS
    'Shadow (role shadow) and seasonal-naive baseline (role baseline) forecasts of a run, one row per series and period, from forecast.side_forecast_paths; never in forecast.latest. Read forecast.shadow_comparison.';
COMMENT ON VIEW forecast.shadow_comparison IS
    'Per published run, the served (production) and the shadow forecast of every series and period side by side.';

-- The guard of every table a run writes: rows only while the run is running (012).
CREATE TRIGGER side_paths_only_while_running AFTER INSERT ON forecast.side_forecast_paths
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
