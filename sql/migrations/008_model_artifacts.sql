-- 008: trained model artifacts with their lineage. A run that uses the global XGBoost model
-- trains it once, stores it here, and every worker (any host) predicts with these exact bytes.
-- Amended: its grants moved to sql/roles/grants.sql (applied by every migrate once the roles exist).
-- previous-checksum: e750b48b3f2d1c1a36d1031baf0eb0d6
CREATE TABLE forecast.model_artifacts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id         bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    model_name     text NOT NULL,
    format         text NOT NULL,
    artifact       bytea NOT NULL,
    md5            text NOT NULL,
    training_cutoff date NOT NULL,
    as_of          timestamptz NOT NULL,
    features       text[] NOT NULL,
    encodings      jsonb NOT NULL,
    training_rows  integer NOT NULL,
    parameters     jsonb NOT NULL,
    code_version   text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT model_artifacts_one_per_run UNIQUE (run_id, model_name),
    CONSTRAINT artifact_format_is_known CHECK (format IN ('xgboost-ubj'))
);
COMMENT ON TABLE forecast.model_artifacts IS 'Trained models and their lineage: training cutoff and as-of (what data), features (what inputs, see FeatureSpec), encodings (category/region/event/promotion codes), parameters and code version.';
