-- 005: rolling-origin backtests. One row per backtest with its exact configuration and cutoffs;
-- one row per model x fold x series x target period in backtest_results, so that an analyst can
-- compute any metric in SQL, e.g. WAPE per model and fold:
--   SELECT model_name, fold, sum(abs(yhat - actual)) / nullif(sum(abs(actual)), 0) AS wape
--   FROM forecast.backtest_results WHERE backtest_id = 1 AND actual IS NOT NULL GROUP BY 1, 2;
-- Amended: its grants moved to sql/roles/grants.sql (applied by every migrate once the roles exist).
-- previous-checksum: 977ee6600ebcea5f28cdddb71889df55
CREATE TABLE forecast.backtests (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status         text NOT NULL DEFAULT 'running',
    as_of          timestamptz NOT NULL,
    frequency      text NOT NULL,
    end_date       date NOT NULL,
    cutoffs        date[] NOT NULL,
    horizon        integer NOT NULL,
    gap            integer NOT NULL,
    step           integer NOT NULL,
    window_length  integer,
    models         text[] NOT NULL,
    interval_level double precision NOT NULL,
    config         jsonb NOT NULL,
    code_version   text NOT NULL,
    series_count   integer,
    row_count      bigint,
    summary        jsonb,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at    timestamptz,
    CONSTRAINT backtest_status_is_known CHECK (status IN ('running', 'finished', 'failed')),
    CONSTRAINT backtest_frequency_is_day_or_week CHECK (frequency IN ('day', 'week')),
    CONSTRAINT backtest_horizon_is_positive CHECK (horizon > 0),
    CONSTRAINT backtest_gap_not_negative CHECK (gap >= 0),
    CONSTRAINT backtest_step_is_positive CHECK (step > 0)
);
COMMENT ON COLUMN forecast.backtests.cutoffs IS 'Exact fold cutoffs, oldest first; fold k trains on data dated <= cutoffs[k+1].';
COMMENT ON COLUMN forecast.backtests.window_length IS 'NULL = expanding window; else the sliding window in periods.';

CREATE TABLE forecast.backtest_series (
    backtest_id  bigint NOT NULL REFERENCES forecast.backtests (id) ON DELETE CASCADE,
    series_no    integer NOT NULL,
    item_id      text COLLATE "C" NOT NULL,
    location_id  text COLLATE "C" NOT NULL,
    chunk        integer NOT NULL,
    category     text,
    family       text,
    region       text,
    CONSTRAINT backtest_series_pkey PRIMARY KEY (backtest_id, series_no)
);
CREATE INDEX backtest_series_chunk_idx ON forecast.backtest_series (backtest_id, chunk);

CREATE TABLE forecast.backtest_results (
    backtest_id  bigint NOT NULL,
    model_name   text NOT NULL,
    served_model text NOT NULL,
    fold         integer NOT NULL,
    cutoff       date NOT NULL,
    item_id      text COLLATE "C" NOT NULL,
    location_id  text COLLATE "C" NOT NULL,
    ds           date NOT NULL,
    horizon      integer NOT NULL,
    yhat         double precision NOT NULL,
    yhat_lower   double precision NOT NULL,
    yhat_upper   double precision NOT NULL,
    actual       double precision,
    demand_class text NOT NULL,
    CONSTRAINT backtest_result_horizon_is_positive CHECK (horizon > 0)
);
COMMENT ON TABLE forecast.backtest_results IS 'Per model x fold x series x target period: forecast, interval and actual. actual NULL = censored (stockout), not scored.';
COMMENT ON COLUMN forecast.backtest_results.horizon IS 'Periods after the cutoff (gap + 1 ... gap + H).';
COMMENT ON COLUMN forecast.backtest_results.model_name IS 'The model evaluated; served_model names the fallback when one served the series.';
CREATE INDEX backtest_results_model_idx ON forecast.backtest_results (backtest_id, model_name, fold);
