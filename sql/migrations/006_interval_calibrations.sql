-- 006: conformal interval calibrations learned by backtests. Per model and horizon step, the
-- quantiles of the scaled backtest errors (actual - forecast) / scale at (1 - level)/2 and
-- (1 + level)/2; a run's interval is yhat + q * scale, scale = the series' in-sample mean
-- absolute seasonal difference. step_lower[1] is horizon step 1.
-- Amended: its grants moved to sql/roles/grants.sql (applied by every migrate once the roles exist).
-- previous-checksum: c96ffc11e7be5601749c3df81384c337
CREATE TABLE forecast.interval_calibrations (
    backtest_id    bigint NOT NULL REFERENCES forecast.backtests (id) ON DELETE CASCADE,
    model_name     text NOT NULL,
    interval_level double precision NOT NULL,
    step_lower     double precision[] NOT NULL,
    step_upper     double precision[] NOT NULL,
    -- Honest check: each fold judged with quantiles from the other folds (cross-conformal).
    cross_fold_coverage double precision,
    CONSTRAINT interval_calibrations_pkey PRIMARY KEY (backtest_id, model_name, interval_level),
    CONSTRAINT calibration_steps_match CHECK (cardinality(step_lower) = cardinality(step_upper) AND cardinality(step_lower) > 0),
    CONSTRAINT calibration_level_is_fraction CHECK (interval_level > 0 AND interval_level < 1)
);
