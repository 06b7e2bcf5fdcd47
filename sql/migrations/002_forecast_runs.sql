-- 002: runs, the work queue, and the per-run series list.
CREATE SCHEMA IF NOT EXISTS forecast;

CREATE TABLE forecast.runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cutoff         date NOT NULL,
    as_of          timestamptz NOT NULL,
    frequency      text NOT NULL,
    horizon        integer NOT NULL,
    status         text NOT NULL DEFAULT 'queued',
    config         jsonb NOT NULL,
    manifest       jsonb,
    code_version   text NOT NULL,
    model_version  text NOT NULL,
    series_count   integer,
    work_item_count integer,
    row_count      bigint,
    warning_count  integer NOT NULL DEFAULT 0,
    created_by     text NOT NULL DEFAULT current_user,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at     timestamptz,
    finished_at    timestamptz,
    published_at   timestamptz,
    timings        jsonb NOT NULL DEFAULT '{}'::jsonb,
    error          text,
    CONSTRAINT frequency_is_day_or_week CHECK (frequency IN ('day', 'week')),
    CONSTRAINT horizon_is_positive CHECK (horizon > 0),
    CONSTRAINT status_is_known CHECK (status IN ('queued', 'running', 'published', 'failed', 'superseded')),
    CONSTRAINT published_runs_have_publish_time CHECK ((status IN ('published', 'superseded')) = (published_at IS NOT NULL)),
    CONSTRAINT failed_runs_have_error CHECK (status <> 'failed' OR error IS NOT NULL)
);
COMMENT ON TABLE forecast.runs IS 'One row per forecast run: queued -> running -> published | failed; a published run is superseded by a later forced run for the same cutoff.';
-- At most one run in flight and one published run per cutoff and frequency.
CREATE UNIQUE INDEX runs_one_active_per_cutoff ON forecast.runs (cutoff, frequency) WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX runs_one_published_per_cutoff ON forecast.runs (cutoff, frequency) WHERE status = 'published';
CREATE INDEX runs_newest_published ON forecast.runs (frequency, published_at DESC, id DESC) WHERE status = 'published';

-- Work items (after River's job table). Claimed with FOR UPDATE SKIP LOCKED; a lease that is not
-- renewed by a heartbeat expires and the item is claimed again.
CREATE TABLE forecast.work_items (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    chunk            integer NOT NULL,
    series_count     integer NOT NULL,
    state            text NOT NULL DEFAULT 'available',
    attempt          integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3,
    scheduled_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempted_at     timestamptz,
    attempted_by     text,
    heartbeat_at     timestamptz,
    lease_expires_at timestamptz,
    finalized_at     timestamptz,
    rows_written     integer,
    rows_read        bigint,
    read_checksum    bigint,
    errors           jsonb NOT NULL DEFAULT '[]'::jsonb,
    CONSTRAINT work_items_run_chunk_key UNIQUE (run_id, chunk),
    CONSTRAINT state_is_known CHECK (state IN ('available', 'running', 'completed', 'failed')),
    CONSTRAINT max_attempts_is_positive CHECK (max_attempts > 0),
    CONSTRAINT attempt_is_within_max CHECK (attempt >= 0 AND attempt <= max_attempts),
    CONSTRAINT running_items_have_lease CHECK (state <> 'running' OR lease_expires_at IS NOT NULL),
    CONSTRAINT finished_items_are_finalized CHECK ((state IN ('completed', 'failed')) = (finalized_at IS NOT NULL))
);
-- Column order mirrors the claim query: run, state, then chunk order.
CREATE INDEX work_items_claim_idx ON forecast.work_items (run_id, state, chunk);

-- The series a run forecasts, fixed when the run starts.
CREATE TABLE forecast.run_series (
    run_id      bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    series_no   integer NOT NULL,
    item_id     text COLLATE "C" NOT NULL,
    location_id text COLLATE "C" NOT NULL,
    chunk       integer NOT NULL,
    category    text,
    family      text,
    region      text,
    CONSTRAINT run_series_pkey PRIMARY KEY (run_id, series_no),
    CONSTRAINT run_series_key_is_unique UNIQUE (run_id, item_id, location_id)
);
CREATE INDEX run_series_chunk_idx ON forecast.run_series (run_id, chunk);

-- Data-contract outcomes, per run (run_id NULL for `forecastctl check`).
CREATE TABLE forecast.contract_results (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint REFERENCES forecast.runs (id) ON DELETE CASCADE,
    contract     text NOT NULL,
    target_table text NOT NULL,
    severity     text NOT NULL,
    owner        text NOT NULL,
    violations   bigint NOT NULL,
    samples      jsonb NOT NULL DEFAULT '[]'::jsonb,
    duration_ms  double precision NOT NULL,
    checked_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT severity_is_block_or_warn CHECK (severity IN ('block', 'warn')),
    CONSTRAINT violations_not_negative CHECK (violations >= 0)
);
CREATE INDEX contract_results_run_idx ON forecast.contract_results (run_id);
