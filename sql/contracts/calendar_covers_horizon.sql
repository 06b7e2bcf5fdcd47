-- name: calendar_covers_horizon
-- table: demand.calendar
-- severity: block
-- owner: demand-planning
-- description: The calendar must have a row for every day the run forecasts (holidays and events drive demand).
SELECT d::date AS missing_ds
FROM generate_series(@cutoff + 1, @cutoff + @step * @horizon, interval '1 day') AS d
WHERE NOT EXISTS (SELECT 1 FROM @schema.calendar c WHERE c.ds = d::date)
