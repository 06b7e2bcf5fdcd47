-- 033: how often a backtest refits its global models (the XGBoost boosters) across folds, so its
-- numbers can be read right. A registered version serves runs until it is retrained (the
-- monitor's retrain_every_days, 28 by default), so a backtest now refits the boosters at its
-- oldest fold and then at the first fold more than global_refit_days after the last refit; the
-- folds between are forecast by the newest refit from their own origin and features, as a stored
-- version forecasts a later run. 0: refit at every fold, as every backtest before this migration.
-- Either way nothing after a fold's cutoff reaches its forecasts.
ALTER TABLE forecast.backtests
    ADD COLUMN global_refit_days integer NOT NULL DEFAULT 0
        CONSTRAINT backtest_global_refit_days_is_sane CHECK (global_refit_days BETWEEN 0 AND 3660);
COMMENT ON COLUMN forecast.backtests.global_refit_days IS
    'Days between refits of the global models across folds (the first fold always refits); 0: every fold.';
