-- The project's roles (NOLOGIN groups; grant them to login roles). Idempotent. `forecastctl
-- migrate` runs this file itself when its user has CREATEROLE; otherwise a DBA runs it once per
-- cluster (roles are cluster-wide), e.g. `psql -v ON_ERROR_STOP=1 -f sql/roles/create_roles.sql`,
-- and the next `forecastctl migrate` applies sql/roles/grants.sql.
--   forecast_reader: BI dashboards and ERP jobs. Reads the views only.
--   forecast_worker: the worker pool. Reads demand.*, writes runs, queue, results and forecasts.
--   forecast_monitor: the monitor pass. Everything forecast_worker may do (it is a member), and
--     alone writes feature profiles, drift results and alerts: the login that publishes forecasts
--     cannot resolve or hide the alerts about them (its runs queue a monitor job instead).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['forecast_reader', 'forecast_worker', 'forecast_monitor'] LOOP
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created concurrently by another database's migration
        END;
    END LOOP;
END $$;
DO $$
BEGIN
    IF NOT pg_has_role('forecast_monitor', 'forecast_worker', 'MEMBER') THEN
        GRANT forecast_worker TO forecast_monitor;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- granted concurrently
END $$;
