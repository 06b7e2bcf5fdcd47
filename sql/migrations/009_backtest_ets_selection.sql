-- 009: how a backtest refits AutoETS from one fold to the next, so its numbers can be read right.
-- 'every-fold': each fold compares all ETS structures again (as a nightly run does);
-- 'first-fold': the oldest fold selects each series' structure and later folds re-estimate its
-- parameters on their longer history (re-estimate, not re-select). Both only ever use data up to
-- each fold's own cutoff. Backtests from before this migration compared all structures every fold.
ALTER TABLE forecast.backtests
    ADD COLUMN ets_selection text NOT NULL DEFAULT 'every-fold'
        CONSTRAINT backtest_ets_selection_is_known CHECK (ets_selection IN ('every-fold', 'first-fold'));
COMMENT ON COLUMN forecast.backtests.ets_selection IS
    'every-fold: AutoETS re-selects its structure at every fold; first-fold: selected at the oldest fold, parameters re-estimated at later ones.';
