-- 045: what `evaluate` scores is computed by the database, not written by a role. Until now the
-- role that runs `evaluate` (the worker) held INSERT on forecast.evaluations and
-- forecast.evaluation_passes, so a session of that role could insert flattering evaluations (a
-- served model's or a shadow's) before the real pass, and the accuracy views, the alerts and the
-- promotion decision would read them. Now one SECURITY DEFINER function, owned by the schema
-- owner, does the whole pass; the worker may only call it and read the results (grants.sql
-- revokes its INSERT and UPDATE, the column grant on replaced_at and the sequence).
--
-- The pass is the one `forecastctl evaluate` ran as separate statements until 044 (the same SQL):
--   1. lock the input schema's passes; record the pass (newest sales day and load, the evaluated
--      horizons as the policy stands now);
--   2. follow restatements: a sales row loaded since the previous pass whose quantity differs
--      from a current evaluation's actual replaces it (the old row stays, replaced_at set);
--   3. score the landed targets of the runs that can have any, at the evaluated horizons;
--   4. rebuild the rollups of the (run, day) pairs it wrote, then the per-series window;
--   5. count the non-finite quantities of this pass's loads, and finish the pass row.
-- Returns the pass id. The input table must not be temporary, and the calling session's role must
-- be able to read it itself (a temporary `sales` of the caller's would otherwise be scored as
-- actuals, and the owner's privileges would read a table the caller may not).
CREATE FUNCTION forecast.evaluate_landed(p_input_schema text, p_os_user text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_sales regclass;
    v_table text := format('%I.sales', p_input_schema);
    v_pass bigint;
    v_landed date;
    v_loaded timestamptz;
    v_landed_before date;
    v_loaded_before timestamptz;
    v_started_before timestamptz;
    v_horizons jsonb;
    v_day_horizons int[];
    v_week_horizons int[];
    v_newest date;
    v_restated integer := 0;
    v_evaluated integer := 0;
    v_non_finite integer;
    v_runs bigint[];
    v_touched_runs bigint[] := '{}';
    v_touched_days date[] := '{}';
    v_step_runs bigint[];
    v_step_days date[];
    t record;
BEGIN
    v_sales := to_regclass(v_table);
    IF v_sales IS NULL THEN
        RAISE EXCEPTION 'evaluate: there is no table %', v_table USING ERRCODE = '42P01';
    END IF;
    IF (SELECT relpersistence FROM pg_class WHERE oid = v_sales) = 't' OR NOT has_table_privilege(session_user, v_sales, 'SELECT') THEN
        RAISE EXCEPTION 'evaluate: % is temporary, or the session''s role may not read it', v_table
            USING ERRCODE = '42501';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('forecast.evaluations'), hashtext(p_input_schema));
    SELECT landed_through, loaded_through, started_at INTO v_landed_before, v_loaded_before, v_started_before
    FROM forecast.evaluation_passes WHERE input_schema = p_input_schema ORDER BY id DESC LIMIT 1;
    EXECUTE format(
        $q$
        INSERT INTO forecast.evaluation_passes (input_schema, landed_through, loaded_through, os_user, evaluated_horizons)
        SELECT $1, max(ds), max(loaded_at), $2,
               (SELECT coalesce(jsonb_object_agg(frequency, to_jsonb(evaluated_horizons)), '{}')
                FROM forecast.service_objectives WHERE evaluated_horizons IS NOT NULL)
        FROM %s
        RETURNING id, landed_through, loaded_through, evaluated_horizons
        $q$, v_table)
    INTO v_pass, v_landed, v_loaded, v_horizons USING p_input_schema, p_os_user;
    IF v_landed IS NULL OR v_loaded IS NULL THEN
        RETURN v_pass;
    END IF;
    SELECT array_agg(h::int) INTO v_day_horizons FROM jsonb_array_elements_text(v_horizons -> 'day') h;
    SELECT array_agg(h::int) INTO v_week_horizons FROM jsonb_array_elements_text(v_horizons -> 'week') h;

    -- Restated actuals first, so that the evaluations scored below already use them. Only days
    -- already evaluated can be restated: a night's load of the newest day probes nothing. Per
    -- frequency, so that each partition answers from its (frequency, ds) index.
    IF v_loaded_before IS NOT NULL THEN
        SELECT max(n.ds) INTO v_newest FROM unnest(ARRAY['day', 'week']) f
        CROSS JOIN LATERAL (SELECT max(e.ds) AS ds FROM forecast.evaluations e WHERE e.frequency = f AND e.replaced_at IS NULL) n;
        EXECUTE format(
            $q$
            WITH changed AS (
                SELECT item_id, location_id, ds, qty, loaded_at FROM %s
                WHERE loaded_at > $1 AND loaded_at <= $2 AND ds <= $3
                  AND (qty IS NULL OR qty NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))),
            replaced AS (
                UPDATE forecast.evaluations e SET replaced_at = clock_timestamp()
                FROM changed c
                WHERE e.replaced_at IS NULL AND e.item_id = c.item_id AND e.location_id = c.location_id AND e.ds = c.ds
                  AND e.actual IS DISTINCT FROM coalesce(c.qty, 0)
                RETURNING e.*, coalesce(c.qty, 0) AS new_actual, c.loaded_at AS new_loaded_at),
            inserted AS (
                INSERT INTO forecast.evaluations (run_id, role, frequency, cutoff, item_id, location_id, ds, horizon,
                    model_version, model_name, yhat, yhat_lower, yhat_upper, actual, actual_loaded_at, mase_scale)
                SELECT run_id, role, frequency, cutoff, item_id, location_id, ds, horizon, model_version, model_name,
                       yhat, yhat_lower, yhat_upper, new_actual, new_loaded_at, mase_scale
                FROM replaced
                RETURNING run_id, ds),
            pairs AS (SELECT run_id, ds, count(*) AS n FROM inserted GROUP BY run_id, ds)
            SELECT coalesce(sum(n), 0)::int, coalesce(array_agg(run_id), '{}'), coalesce(array_agg(ds), '{}') FROM pairs
            $q$, v_table)
        INTO v_restated, v_step_runs, v_step_days USING v_loaded_before, v_loaded, v_newest;
        v_touched_runs := v_touched_runs || v_step_runs;
        v_touched_days := v_touched_days || v_step_days;
    END IF;

    -- Partition-local: only the runs that can have rows to evaluate, i.e. whose target days reach
    -- past the last pass's landed day (a week's slack), or published since it began. With
    -- evaluated horizons, only a run one of whose evaluated horizons' target periods (step k: the
    -- days after cutoff + (k - 1) steps, through cutoff + k steps) landed in this pass.
    SELECT coalesce(array_agg(r.id ORDER BY r.id), '{}') INTO v_runs
    FROM forecast.runs r
    CROSS JOIN LATERAL (
        SELECT CASE r.frequency WHEN 'week' THEN 7 ELSE 1 END AS step,
               CASE r.frequency WHEN 'week' THEN v_week_horizons ELSE v_day_horizons END AS horizons) p
    WHERE r.status = 'published' AND r.config ->> 'inputSchema' = p_input_schema AND r.cutoff < v_landed
      AND (v_landed_before IS NULL OR r.published_at > v_started_before OR r.cutoff + r.horizon * p.step + 7 > v_landed_before)
      AND (p.horizons IS NULL OR EXISTS (
          SELECT 1 FROM unnest(p.horizons) k
          WHERE k <= r.horizon AND r.cutoff + (k - 1) * p.step < v_landed
            AND (v_landed_before IS NULL OR r.published_at > v_started_before OR r.cutoff + k * p.step > v_landed_before)));

    EXECUTE format(
        $q$
        WITH rows AS (
            SELECT 'served' AS role, f.run_id, f.cutoff, f.item_id, f.location_id, f.ds, f.horizon, f.model_version,
                   f.model_name, f.yhat, f.yhat_lower, f.yhat_upper
            FROM forecast.forecasts f WHERE f.run_id = ANY($1)
            UNION ALL
            -- the side paths' elements by subscript (forecast.side_forecasts unnests all four
            -- arrays of every path: 1.8 times the time at 100k series)
            SELECT p.role, p.run_id, p.cutoff, p.item_id, p.location_id, p.ds[h], h, p.model_version, p.model_name,
                   p.yhat[h], p.yhat_lower[h], p.yhat_upper[h]
            FROM forecast.side_forecast_paths p CROSS JOIN LATERAL generate_series(1, cardinality(p.ds)) h
            WHERE p.run_id = ANY($1) AND p.ds[h] <= $2
            UNION ALL -- a bootstrap run serves the baseline itself
            SELECT 'baseline', f.run_id, f.cutoff, f.item_id, f.location_id, f.ds, f.horizon, f.model_version,
                   f.model_name, f.yhat, f.yhat_lower, f.yhat_upper
            FROM forecast.forecasts f JOIN forecast.runs b ON b.id = f.run_id AND b.serving = 'bootstrap'
            WHERE f.run_id = ANY($1)),
        inserted AS (
            INSERT INTO forecast.evaluations (run_id, role, frequency, cutoff, item_id, location_id, ds, horizon,
                model_version, model_name, yhat, yhat_lower, yhat_upper, actual, actual_loaded_at, mase_scale)
            SELECT x.run_id, x.role, r.frequency, x.cutoff, x.item_id, x.location_id, x.ds, x.horizon, x.model_version,
                   x.model_name, x.yhat, x.yhat_lower, x.yhat_upper, coalesce(s.qty, 0), s.loaded_at, st.mase_scale
            FROM rows x
            JOIN forecast.runs r ON r.id = x.run_id AND r.status = 'published' AND r.config ->> 'inputSchema' = $3
                                AND x.horizon = ANY(coalesce(CASE r.frequency WHEN 'week' THEN $8 ELSE $7 END, ARRAY[x.horizon]))
            LEFT JOIN %s s ON s.item_id = x.item_id AND s.location_id = x.location_id AND s.ds = x.ds AND s.loaded_at <= $4
            LEFT JOIN forecast.series_stats st ON st.run_id = x.run_id AND st.item_id = x.item_id AND st.location_id = x.location_id
            WHERE x.ds <= $2 AND (s.qty IS NULL OR s.qty NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))
              AND ($5::date IS NULL OR x.ds > $5::date OR r.published_at > $6::timestamptz)
            ON CONFLICT (run_id, role, item_id, location_id, ds) WHERE replaced_at IS NULL DO NOTHING
            RETURNING run_id, ds),
        pairs AS (SELECT run_id, ds, count(*) AS n FROM inserted GROUP BY run_id, ds)
        SELECT coalesce(sum(n), 0)::int, coalesce(array_agg(run_id), '{}'), coalesce(array_agg(ds), '{}') FROM pairs
        $q$, v_table)
    INTO v_evaluated, v_step_runs, v_step_days
    USING v_runs, v_landed, p_input_schema, v_loaded, v_landed_before, v_started_before, v_day_horizons, v_week_horizons;
    v_touched_runs := v_touched_runs || v_step_runs;
    v_touched_days := v_touched_days || v_step_days;

    -- The rollups the 4-week views read: the (run, day) pairs this pass scored or restated, in
    -- run order, then the per-series window.
    FOR t IN
        SELECT u.run_id, array_agg(DISTINCT u.ds ORDER BY u.ds) AS days
        FROM unnest(v_touched_runs, v_touched_days) u(run_id, ds) GROUP BY u.run_id ORDER BY u.run_id
    LOOP
        PERFORM forecast.roll_up_evaluations(t.run_id, t.days);
    END LOOP;
    PERFORM forecast.roll_up_series();

    EXECUTE format(
        $q$
        SELECT count(*)::int FROM %s
        WHERE qty IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
          AND loaded_at <= $1 AND ($2::timestamptz IS NULL OR loaded_at > $2::timestamptz)
        $q$, v_table)
    INTO v_non_finite USING v_loaded, v_loaded_before;
    UPDATE forecast.evaluation_passes SET evaluated = v_evaluated, restated = v_restated, non_finite_actuals = v_non_finite
    WHERE id = v_pass;
    RETURN v_pass;
END $$;
REVOKE ALL ON FUNCTION forecast.evaluate_landed(text, text) FROM PUBLIC;
COMMENT ON FUNCTION forecast.evaluate_landed(text, text) IS
    'One evaluate pass over the input schema''s sales (restatements, landed targets at the evaluated horizons, rollups), as the schema owner; returns the forecast.evaluation_passes id. The only way a role writes evaluations.';
