-- forecast_monitor's own privileges (it is a member of forecast_worker and has all of its too):
-- it alone, besides the owner, records a monitor pass. `forecastctl migrate` applies this file
-- after grants.sql once the role exists (sql/roles/create_roles.sql); until then the worker role
-- still may not write these tables, and only the owner records monitor passes.
GRANT SELECT, INSERT, UPDATE ON forecast.feature_profiles, forecast.drift_results, forecast.alerts TO forecast_monitor;
