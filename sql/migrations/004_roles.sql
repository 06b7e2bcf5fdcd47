-- 004: least-privilege roles (NOLOGIN groups; grant them to login roles).
--   forecast_reader: BI dashboards and ERP jobs. Reads the views only.
--   forecast_worker: the worker pool. Reads demand.*, writes runs, queue, results and forecasts.
-- Migrations run as the owner of the schemas (e.g. the database owner), not as these roles.
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

GRANT USAGE ON SCHEMA forecast TO forecast_reader, forecast_worker;
GRANT SELECT ON forecast.latest, forecast.freshness, forecast.run_summary TO forecast_reader;

GRANT USAGE ON SCHEMA demand TO forecast_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA demand TO forecast_worker;
GRANT SELECT, INSERT, UPDATE ON forecast.runs, forecast.work_items, forecast.contract_results TO forecast_worker;
GRANT SELECT, INSERT ON forecast.run_series, forecast.forecasts TO forecast_worker;
GRANT SELECT ON forecast.freshness_sla, forecast.schema_migrations, forecast.latest, forecast.freshness, forecast.run_summary TO forecast_worker;
