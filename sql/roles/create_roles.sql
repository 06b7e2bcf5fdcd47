-- The project's roles (NOLOGIN groups; grant them to login roles). Idempotent. `forecastctl
-- migrate` runs this file itself when its user has CREATEROLE; otherwise a DBA runs it once per
-- cluster (roles are cluster-wide), e.g. `psql -v ON_ERROR_STOP=1 -f sql/roles/create_roles.sql`,
-- and the next `forecastctl migrate` applies sql/roles/grants.sql.
--   forecast_reader: BI dashboards and ERP jobs. Reads the views only.
--   forecast_worker: the worker pool. Reads demand.*, writes runs, queue, results and forecasts.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'forecast_reader') THEN
        CREATE ROLE forecast_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created concurrently by another database's migration
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'forecast_worker') THEN
        CREATE ROLE forecast_worker NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
