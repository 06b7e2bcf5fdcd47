-- 004: least-privilege roles (NOLOGIN groups; grant them to login roles).
--   forecast_reader: BI dashboards and ERP jobs. Reads the views only.
--   forecast_worker: the worker pool. Reads demand.*, writes runs, queue, results and forecasts.
-- Migrations run as the owner of the schemas (e.g. the database owner), not as these roles.
-- Amended (migration 015's release): the roles and their grants moved out of the migrations.
-- `forecastctl migrate` creates the roles with sql/roles/create_roles.sql when its user may
-- (CREATEROLE), otherwise it says so and a DBA runs that file; it applies sql/roles/grants.sql
-- at the end of every migrate once both roles exist. The statements this file had are there.
-- previous-checksum: 149aafa0b3390a3a60226d1c127b1e1f
COMMENT ON SCHEMA forecast IS 'Forecast runs, work queue, forecasts and their views (forecastctl). Roles: forecast_reader, forecast_worker (sql/roles).';
