-- 035: a run's configuration in its three parts, each in a column of its own, with the keys of
-- runs.config (RunConfig+Parts.swift):
--   recipe      what decides the rows: horizon, frequency, model or per-class selection, interval
--               level, input schema, attributes, calibration backtest, served and shadow version
--   checks      the data contracts' parameters: whether the run may start, never what it writes
--   operations  how the work is done: chunk size, leases, attempts, statement timeouts
-- Two runs of one snapshot with equal recipes publish the same rows, so a DBA can group runs by
-- what made their rows (recipe = ...) without knowing which settings are operational.
-- runs.config keeps the whole, as workers read it. Runs stored before this migration are split
-- here by the same rule the worker uses; absent keys stay absent (a missing statementTimeouts
-- means the defaults, as in config).
ALTER TABLE forecast.runs ADD COLUMN recipe jsonb, ADD COLUMN checks jsonb, ADD COLUMN operations jsonb;

CREATE FUNCTION forecast.jsonb_without_nulls(o jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(o) WHERE jsonb_typeof(value) <> 'null'
$$;
COMMENT ON FUNCTION forecast.jsonb_without_nulls(jsonb) IS
    'The object without its top-level null members (how Swift encodes an absent optional).';

-- The split, by the worker's rule (RunConfig+Parts.swift; MigrationTests compares the two). The
-- checks and the operations are listed; everything else is the recipe, so a setting added later
-- counts as deciding the rows unless it is declared otherwise (the safe side).
CREATE FUNCTION forecast.run_recipe(config jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (config - ARRAY['staleSLAHours', 'minVolumeRatio', 'minLandedShare', 'acceptEmptyPeriod',
                           'chunkSize', 'leaseSeconds', 'heartbeatSeconds', 'maxAttempts', 'statementTimeouts',
                           'shadow', 'attributes'])
        || jsonb_build_object('attributes', coalesce(config -> 'attributes', '[]'::jsonb))
        || forecast.jsonb_without_nulls(jsonb_build_object('shadow', config -> 'shadow' -> 'version'))
$$;
CREATE FUNCTION forecast.run_checks(config jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT forecast.jsonb_without_nulls(jsonb_build_object(
        'staleSLAHours', config -> 'staleSLAHours', 'minVolumeRatio', config -> 'minVolumeRatio',
        'minLandedShare', config -> 'minLandedShare', 'acceptEmptyPeriod', config -> 'acceptEmptyPeriod'))
$$;
CREATE FUNCTION forecast.run_operations(config jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT forecast.jsonb_without_nulls(jsonb_build_object(
        'chunkSize', config -> 'chunkSize', 'leaseSeconds', config -> 'leaseSeconds',
        'heartbeatSeconds', config -> 'heartbeatSeconds', 'maxAttempts', config -> 'maxAttempts',
        'statementTimeouts', config -> 'statementTimeouts'))
$$;

UPDATE forecast.runs
   SET recipe = forecast.run_recipe(config), checks = forecast.run_checks(config), operations = forecast.run_operations(config);

-- A run inserted without its parts (by hand, or by an older worker during a rolling upgrade)
-- gets them from its config by the same rule.
CREATE FUNCTION forecast.fill_run_config_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.recipe := coalesce(NEW.recipe, forecast.run_recipe(NEW.config));
    NEW.checks := coalesce(NEW.checks, forecast.run_checks(NEW.config));
    NEW.operations := coalesce(NEW.operations, forecast.run_operations(NEW.config));
    RETURN NEW;
END
$$;
CREATE TRIGGER run_config_parts BEFORE INSERT ON forecast.runs
    FOR EACH ROW EXECUTE FUNCTION forecast.fill_run_config_parts();

ALTER TABLE forecast.runs
    ALTER COLUMN recipe SET NOT NULL, ALTER COLUMN checks SET NOT NULL, ALTER COLUMN operations SET NOT NULL;
COMMENT ON COLUMN forecast.runs.recipe IS
    'What decides the rows (model or selection, horizon, level, calibration, served and shadow version, ...): equal recipes on one snapshot publish equal rows.';
COMMENT ON COLUMN forecast.runs.checks IS 'The data contracts'' parameters the run was checked with.';
COMMENT ON COLUMN forecast.runs.operations IS 'How the work was done (chunk size, leases, attempts, statement timeouts): never changes a row.';

-- What made a run's rows is not edited afterwards, by any role: a changed recipe would make the
-- stored rows lie about their model (the worker, which may UPDATE runs for its lifecycle, included).
CREATE FUNCTION forecast.refuse_run_config_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.config IS DISTINCT FROM OLD.config OR NEW.recipe IS DISTINCT FROM OLD.recipe
       OR NEW.checks IS DISTINCT FROM OLD.checks OR NEW.operations IS DISTINCT FROM OLD.operations THEN
        RAISE EXCEPTION 'run %: its configuration (config, recipe, checks, operations) is fixed when the run is created', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER run_config_is_fixed BEFORE UPDATE OF config, recipe, checks, operations ON forecast.runs
    FOR EACH ROW EXECUTE FUNCTION forecast.refuse_run_config_change();
