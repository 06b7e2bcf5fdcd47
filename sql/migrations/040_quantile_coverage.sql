-- 040: coverage of every published interval level once the actuals land, the run's own and each
-- of --levels (forecast.forecast_quantiles), over the last 4 landed weeks of served forecasts: a
-- level L should hold about L of the actuals. The report shows it; the gate measured the same on
-- the backtest before the version served.
CREATE VIEW forecast.quantile_coverage_4w AS
SELECT e.frequency, e.interval_level, count(*) AS forecasts,
       avg(CASE WHEN e.actual BETWEEN e.yhat_lower AND e.yhat_upper THEN 1.0 ELSE 0.0 END) AS coverage
FROM (SELECT c.*, f.interval_level FROM forecast.evaluation_current c
      JOIN forecast.forecasts f ON f.run_id = c.run_id AND f.item_id = c.item_id AND f.location_id = c.location_id AND f.ds = c.ds
      WHERE c.role = 'served' AND c.in_last_4_weeks) e
GROUP BY e.frequency, e.interval_level
UNION ALL
SELECT c.frequency, q.interval_level, count(*),
       avg(CASE WHEN c.actual BETWEEN q.yhat_lower[c.horizon] AND q.yhat_upper[c.horizon] THEN 1.0 ELSE 0.0 END)
FROM forecast.evaluation_current c
JOIN forecast.forecast_quantiles q ON q.run_id = c.run_id AND q.item_id = c.item_id AND q.location_id = c.location_id
WHERE c.role = 'served' AND c.in_last_4_weeks
GROUP BY c.frequency, q.interval_level;
COMMENT ON VIEW forecast.quantile_coverage_4w IS
    'Share of landed actuals inside each published interval level (the run''s own and --levels), served forecasts of the last 4 weeks, per frequency.';
