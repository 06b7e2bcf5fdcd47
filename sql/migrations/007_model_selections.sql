-- 007: which model serves which segment, chosen by a backtest (lowest primary metric per
-- demand class; segment 'all' = best overall, for classes the backtest did not see).
-- Amended: its grants moved to sql/roles/grants.sql (applied by every migrate once the roles exist).
-- previous-checksum: 03064d4d8f0ff4366b96d03987b8cb0a
CREATE TABLE forecast.model_selections (
    backtest_id    bigint NOT NULL REFERENCES forecast.backtests (id) ON DELETE CASCADE,
    segment        text NOT NULL,
    model_name     text NOT NULL,
    model_spec     jsonb NOT NULL,
    metric         text NOT NULL,
    metric_value   double precision,
    baseline_value double precision,
    CONSTRAINT model_selections_pkey PRIMARY KEY (backtest_id, segment)
);
COMMENT ON TABLE forecast.model_selections IS 'Per demand class (fast, slow, intermittent, new; all = overall) the model a backtest found best. `forecastctl run --model selected` uses the newest.';
