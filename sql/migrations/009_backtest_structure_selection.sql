-- 009: how a backtest refits the searching models (AutoETS over its structures, AutoTheta over
-- its variants) from one fold to the next, so its numbers can be read right.
-- 'every-fold': each fold compares all forms again (as a nightly run does);
-- 'first-fold': the oldest fold chooses each series' form and later folds re-estimate its
-- parameters on their longer history (re-estimate, not re-select).
-- Either way every fold only uses data up to its own cutoff, and the optimiser starts from the
-- previous fold's optimum. Backtests from before this migration compared all forms every fold.
ALTER TABLE forecast.backtests
    ADD COLUMN structure_selection text NOT NULL DEFAULT 'every-fold'
        CONSTRAINT backtest_structure_selection_is_known CHECK (structure_selection IN ('every-fold', 'first-fold'));
COMMENT ON COLUMN forecast.backtests.structure_selection IS
    'every-fold: AutoETS/AutoTheta re-select their form at every fold; first-fold: chosen at the oldest fold, parameters re-estimated at later ones.';
