-- name: calendar_covers_horizon
-- table: demand.calendar
-- severity: block
-- owner: demand-planning
-- description: Every forecast period needs calendar rows (holidays and events drive demand): every day for daily runs, at least one day of each week for weekly runs.
SELECT p::date AS missing_period
FROM generate_series(@period_start + @step, @period_start + @step * @horizon, @step) AS p
WHERE NOT EXISTS (SELECT 1 FROM @schema.calendar c WHERE c.ds >= p::date AND c.ds < (p + @step)::date)
