-- 015: backtests read the same snapshot as runs. A backtest's series list has one row per series
-- (as run_series always had), and backtests check the data contracts too: their outcomes are
-- recorded against the backtest.
ALTER TABLE forecast.backtest_series
    ADD CONSTRAINT backtest_series_key_is_unique UNIQUE (backtest_id, item_id, location_id);
ALTER TABLE forecast.contract_results
    ADD COLUMN backtest_id bigint REFERENCES forecast.backtests (id) ON DELETE CASCADE;
COMMENT ON COLUMN forecast.contract_results.backtest_id IS
    'The backtest whose snapshot was checked (run_id is NULL then); NULL for runs and `forecastctl check`.';
CREATE INDEX contract_results_backtest_idx ON forecast.contract_results (backtest_id) WHERE backtest_id IS NOT NULL;
