-- 018: the model registry. A model version is what production serves: a forecasting policy
-- (model or per-class selection, transforms, loss, intervals, horizon, frequency, seeds) plus,
-- for global models, its trained artifacts, with lineage (training cutoff and as-of, input
-- manifest, feature-schema hash, code version and git commit, config hash) and the backtest that
-- qualified it. Versions and their artifacts are immutable (FC004). Stages live beside them:
-- candidate -> shadow -> production -> archived, at most one production and one shadow per
-- frequency; every stage change leaves a row in model_stage_events, written by the database.
--   FC004  an UPDATE or DELETE of a model version or of a version's artifact
--   FC005  a stage change without a reason, or a new version that does not start as a candidate
--   42501  a stage change to production or archived by a role that does not own the schema
CREATE TABLE forecast.model_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version         text NOT NULL,
    label           text NOT NULL,
    frequency       text NOT NULL,
    policy          jsonb NOT NULL,
    policy_hash     text NOT NULL,
    config_hash     text NOT NULL,
    train_config    jsonb NOT NULL,
    horizon         integer NOT NULL,
    training_cutoff date NOT NULL,
    as_of           timestamptz NOT NULL,
    input_manifest  jsonb NOT NULL,
    backtest_id     bigint NOT NULL REFERENCES forecast.backtests (id),
    metrics         jsonb NOT NULL,
    gate            jsonb NOT NULL,
    gate_passed     boolean NOT NULL,
    code_version    text NOT NULL,
    git_commit      text,
    created_by      text NOT NULL DEFAULT session_user,
    os_user         text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT model_version_is_unique UNIQUE (version),
    CONSTRAINT model_version_is_semantic CHECK (version ~ '^[0-9]+\.[0-9]+\.[0-9]+$'),
    CONSTRAINT model_version_frequency_is_known CHECK (frequency IN ('day', 'week')),
    CONSTRAINT model_version_has_a_label CHECK (btrim(label) <> '' AND length(label) <= 80),
    CONSTRAINT model_version_horizon_is_positive CHECK (horizon > 0)
);
COMMENT ON TABLE forecast.model_versions IS
    'Registered forecasting policies with lineage (forecastctl train). Immutable; the stage is in forecast.model_stages.';
COMMENT ON COLUMN forecast.model_versions.policy IS 'What runs serving this version do: model or per-class selection, transforms, objective, interval level and calibration, horizon, attributes.';
COMMENT ON COLUMN forecast.model_versions.train_config IS 'How it was trained (recipe, backtest plan, gate, input schema): what a retrain repeats; config_hash is its md5.';
COMMENT ON COLUMN forecast.model_versions.metrics IS 'The qualifying backtest: WAPE, MASE, bias and interval coverage of the policy and of seasonal naive, overall and per segment.';

-- Artifacts of registered versions live beside the per-run ones (run_id) in model_artifacts.
ALTER TABLE forecast.model_artifacts
    ALTER COLUMN run_id DROP NOT NULL,
    ADD COLUMN model_version_id bigint REFERENCES forecast.model_versions (id),
    ADD COLUMN feature_schema_hash text,
    ADD CONSTRAINT artifact_belongs_to_a_run_or_a_version CHECK ((run_id IS NULL) <> (model_version_id IS NULL)),
    ADD CONSTRAINT model_artifacts_one_per_version UNIQUE (model_version_id, model_name);
COMMENT ON COLUMN forecast.model_artifacts.feature_schema_hash IS 'md5 of the feature names in column order (one per line); a loader refuses an artifact whose hash differs from what the code builds.';

CREATE FUNCTION forecast.refuse_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'model_artifacts' THEN
        -- A run's own artifacts go with their run; only a version's are immutable.
        IF OLD.model_version_id IS NULL THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
    END IF;
    RAISE EXCEPTION 'model versions are immutable: % on %.% refused (archive a version instead)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'FC004';
END $$;
CREATE TRIGGER model_versions_are_immutable
    BEFORE UPDATE OR DELETE ON forecast.model_versions
    FOR EACH ROW EXECUTE FUNCTION forecast.refuse_version_change();
CREATE TRIGGER version_artifacts_are_immutable
    BEFORE UPDATE OR DELETE ON forecast.model_artifacts
    FOR EACH ROW EXECUTE FUNCTION forecast.refuse_version_change();

CREATE TABLE forecast.model_stages (
    model_version_id bigint PRIMARY KEY REFERENCES forecast.model_versions (id),
    frequency        text NOT NULL,
    stage            text NOT NULL,
    reason           text NOT NULL,
    forced           boolean NOT NULL DEFAULT false,
    gate             jsonb,
    changed_by       text NOT NULL DEFAULT session_user,
    os_user          text,
    changed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT model_stage_is_known CHECK (stage IN ('candidate', 'shadow', 'production', 'archived'))
);
CREATE UNIQUE INDEX one_production_version_per_frequency ON forecast.model_stages (frequency) WHERE stage = 'production';
CREATE UNIQUE INDEX one_shadow_version_per_frequency ON forecast.model_stages (frequency) WHERE stage = 'shadow';
COMMENT ON TABLE forecast.model_stages IS
    'The current stage of every model version; at most one production and one shadow version per frequency.';

CREATE TABLE forecast.model_stage_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id bigint NOT NULL REFERENCES forecast.model_versions (id),
    frequency        text NOT NULL,
    from_stage       text,
    to_stage         text NOT NULL,
    reason           text NOT NULL,
    forced           boolean NOT NULL,
    gate             jsonb,
    db_role          text NOT NULL,
    os_user          text,
    at               timestamptz NOT NULL
);
CREATE INDEX model_stage_events_by_frequency ON forecast.model_stage_events (frequency, id);
COMMENT ON TABLE forecast.model_stage_events IS
    'Audit trail of stage changes (written by a trigger on model_stages): when, who (database role and OS user), why, forced or not, the gate result.';

CREATE FUNCTION forecast.record_stage_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF btrim(coalesce(NEW.reason, '')) = '' THEN
        RAISE EXCEPTION 'model version %: a stage change needs a reason', NEW.model_version_id USING ERRCODE = 'FC005';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.stage <> 'candidate' THEN
        RAISE EXCEPTION 'model version %: a new version starts as a candidate, not %', NEW.model_version_id, NEW.stage
            USING ERRCODE = 'FC005';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.stage = OLD.stage THEN
        RETURN NEW;
    END IF;
    -- The worker role may put candidates in shadow (retrain requests); production and archiving
    -- are for the owner of the schema.
    IF NEW.stage IN ('production', 'archived') AND NOT pg_has_role(session_user,
           (SELECT nspowner FROM pg_namespace WHERE nspname = 'forecast'), 'MEMBER') THEN
        RAISE EXCEPTION 'model version %: only the owner of the forecast schema moves a version to %', NEW.model_version_id, NEW.stage
            USING ERRCODE = '42501';
    END IF;
    NEW.changed_at := clock_timestamp();
    NEW.changed_by := session_user;
    INSERT INTO forecast.model_stage_events (model_version_id, frequency, from_stage, to_stage, reason, forced, gate,
                                             db_role, os_user, at)
    VALUES (NEW.model_version_id, NEW.frequency, CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END, NEW.stage, NEW.reason,
            NEW.forced, NEW.gate, session_user, NEW.os_user, NEW.changed_at);
    RETURN NEW;
END $$;
CREATE TRIGGER model_stage_changes_are_recorded
    BEFORE INSERT OR UPDATE ON forecast.model_stages
    FOR EACH ROW EXECUTE FUNCTION forecast.record_stage_event();

-- Which version a run served (NULL: an ad-hoc --model run), which shadow it also wrote, and why
-- it served another version than production (an artifact that failed to load).
ALTER TABLE forecast.runs
    ADD COLUMN model_version_id bigint REFERENCES forecast.model_versions (id),
    ADD COLUMN shadow_version_id bigint REFERENCES forecast.model_versions (id),
    ADD COLUMN serving_note text;

-- A served version's global artifact is reused across runs; what depends on the run's own data
-- (competing items' prices at its cutoff) is prepared once per run here.
CREATE TABLE forecast.run_model_inputs (
    run_id           bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    model_version_id bigint NOT NULL REFERENCES forecast.model_versions (id),
    model_name       text NOT NULL,
    category_prices  jsonb NOT NULL,
    CONSTRAINT run_model_inputs_pkey PRIMARY KEY (run_id, model_version_id, model_name)
);

-- Forecasts a run writes beside the served ones, never in forecast.latest: the shadow version's
-- (role 'shadow') and, for evaluation, the seasonal-naive baseline's (role 'baseline').
CREATE TABLE forecast.side_forecasts (LIKE forecast.forecasts INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE forecast.side_forecasts
    ADD COLUMN role text NOT NULL,
    ADD CONSTRAINT side_forecasts_pkey PRIMARY KEY (run_id, role, item_id, location_id, ds),
    ADD CONSTRAINT side_forecast_role_is_known CHECK (role IN ('shadow', 'baseline'));
CREATE TRIGGER side_rows_only_while_running
    AFTER INSERT ON forecast.side_forecasts
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
COMMENT ON TABLE forecast.side_forecasts IS
    'Forecasts of the shadow model version (role shadow) and of the seasonal-naive baseline (role baseline), written by the same run and work item as the served rows; never in forecast.latest. Read forecast.shadow_comparison.';

-- How the run chose what it serves: a registry version, the bootstrap (no production version), or an ad-hoc --model.
ALTER TABLE forecast.runs
    ADD COLUMN serving text NOT NULL DEFAULT 'ad hoc',
    ADD CONSTRAINT run_serving_is_known CHECK (serving IN ('version', 'bootstrap', 'ad hoc'));

CREATE VIEW forecast.shadow_comparison AS
SELECT r.frequency, s.run_id, s.cutoff, s.item_id, s.location_id, s.ds, s.horizon,
       f.yhat AS served_yhat, f.yhat_lower AS served_lower, f.yhat_upper AS served_upper,
       f.model_version AS served_version, f.model_name AS served_model,
       s.yhat AS shadow_yhat, s.yhat_lower AS shadow_lower, s.yhat_upper AS shadow_upper,
       s.model_version AS shadow_version, s.model_name AS shadow_model,
       s.yhat - f.yhat AS difference
FROM forecast.side_forecasts s
JOIN forecast.forecasts f USING (run_id, item_id, location_id, ds)
JOIN forecast.runs r ON r.id = s.run_id
WHERE s.role = 'shadow' AND r.status IN ('published', 'superseded');
COMMENT ON VIEW forecast.shadow_comparison IS
    'Per published run, the served (production) and the shadow forecast of every series and period side by side.';

CREATE VIEW forecast.model_registry AS
SELECT v.id, v.version, v.label, v.frequency, coalesce(s.stage, 'candidate') AS stage, s.changed_at AS stage_since,
       v.training_cutoff, v.horizon, v.policy ->> 'model' AS model, v.gate_passed,
       (v.metrics -> 'overall' ->> 'wape')::float8 AS backtest_wape,
       (v.metrics -> 'overall' ->> 'baseline_wape')::float8 AS baseline_wape,
       v.backtest_id, v.code_version, v.git_commit, v.created_at, v.created_by
FROM forecast.model_versions v
LEFT JOIN forecast.model_stages s ON s.model_version_id = v.id;
COMMENT ON VIEW forecast.model_registry IS 'One row per model version with its stage and headline backtest metrics (forecastctl models list).';
