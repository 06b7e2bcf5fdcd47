-- Every privilege of forecast_reader and forecast_worker, in one idempotent file: `forecastctl
-- migrate` applies it after the migrations whenever both roles exist (a migration that adds a
-- table adds its grants here), and grants_monitor.sql once forecast_monitor exists too. Run as the owner of the schemas. The worker role may not change published
-- output: besides what is granted here, triggers refuse rows into a published run and status
-- changes outside the run lifecycle (migration 012).
-- 004
GRANT USAGE ON SCHEMA forecast TO forecast_reader, forecast_worker;
GRANT SELECT ON forecast.latest, forecast.freshness, forecast.run_summary TO forecast_reader;
GRANT USAGE ON SCHEMA demand TO forecast_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA demand TO forecast_worker;
GRANT SELECT, INSERT, UPDATE ON forecast.runs, forecast.work_items, forecast.contract_results TO forecast_worker;
GRANT SELECT, INSERT ON forecast.run_series, forecast.forecasts TO forecast_worker;
GRANT SELECT ON forecast.freshness_sla, forecast.schema_migrations, forecast.latest, forecast.freshness, forecast.run_summary TO forecast_worker;
-- 005
GRANT SELECT, INSERT, UPDATE ON forecast.backtests TO forecast_worker;
GRANT SELECT, INSERT ON forecast.backtest_series, forecast.backtest_results TO forecast_worker;
GRANT SELECT ON forecast.backtests, forecast.backtest_results TO forecast_reader;
-- 006
GRANT SELECT, INSERT ON forecast.interval_calibrations TO forecast_worker;
-- 007
GRANT SELECT, INSERT ON forecast.model_selections TO forecast_worker;
GRANT SELECT ON forecast.model_selections TO forecast_reader;
-- 008
GRANT SELECT, INSERT ON forecast.model_artifacts TO forecast_worker;
-- 011
GRANT SELECT ON forecast.served_runs TO forecast_reader, forecast_worker;
-- 016
GRANT SELECT, INSERT, UPDATE ON forecast.cutoff_locks TO forecast_worker;
-- 017
GRANT SELECT ON forecast.output_pins, forecast.output_pin_events TO forecast_reader, forecast_worker;
-- 018 (the worker registers candidates; only the owner changes stages: promote, rollback)
GRANT SELECT, INSERT ON forecast.model_versions, forecast.run_model_inputs TO forecast_worker;
GRANT SELECT, INSERT ON forecast.model_stages TO forecast_worker;
GRANT SELECT ON forecast.model_stage_events TO forecast_worker;
GRANT SELECT ON forecast.shadow_comparison, forecast.model_registry TO forecast_reader, forecast_worker;
GRANT SELECT ON forecast.model_versions, forecast.model_stages, forecast.model_stage_events TO forecast_reader;
-- 019 (the worker role runs evaluate, e.g. from cron after the sales load)
GRANT SELECT, INSERT ON forecast.series_stats TO forecast_worker;
-- 045: evaluations and passes are written only by forecast.evaluate_landed, as the schema owner;
-- the worker calls it and reads (earlier databases granted INSERT, UPDATE and UPDATE (replaced_at),
-- which a table-level REVOKE UPDATE removes too)
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON forecast.evaluations, forecast.evaluation_passes FROM forecast_worker, forecast_reader;
GRANT SELECT ON forecast.evaluations, forecast.evaluation_passes TO forecast_worker;
GRANT EXECUTE ON FUNCTION forecast.evaluate_landed(text, text) TO forecast_worker;
GRANT SELECT ON forecast.evaluation_current, forecast.accuracy_4w, forecast.forecast_value_added, forecast.top_offenders
    TO forecast_reader, forecast_worker;
GRANT SELECT ON forecast.evaluations, forecast.evaluation_passes, forecast.series_stats TO forecast_reader;
-- 020 (monitor runs at the end of nightly runs, as the worker role)
-- forecast_monitor alone writes what a monitor pass finds (the worker role reads it; earlier
-- databases granted it INSERT and UPDATE, which let the login that publishes resolve its alerts)
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON forecast.feature_profiles, forecast.drift_results, forecast.alerts FROM forecast_worker;
GRANT SELECT ON forecast.feature_profiles, forecast.drift_results, forecast.alerts TO forecast_worker;
-- (forecast_monitor's own grants are in grants_monitor.sql, applied once that role exists)
GRANT SELECT ON forecast.open_alerts TO forecast_reader, forecast_worker;
GRANT SELECT ON forecast.alerts, forecast.drift_results, forecast.feature_profiles TO forecast_reader;
GRANT SELECT, INSERT, UPDATE ON forecast.retrain_requests TO forecast_worker;
GRANT SELECT ON forecast.retrain_requests TO forecast_reader;
-- retrain requests put candidates in shadow (a trigger keeps production and archiving for the owner)
GRANT UPDATE ON forecast.model_stages TO forecast_worker;
-- 021
GRANT SELECT ON forecast.service_objectives, forecast.source_objectives, forecast.input_freshness, forecast.run_costs,
                forecast.service_status TO forecast_reader, forecast_worker;
-- 022 (daemons take requests; the scheduler's role enqueues)
GRANT SELECT, INSERT, UPDATE ON forecast.run_requests TO forecast_worker;
GRANT EXECUTE ON FUNCTION forecast.enqueue_run(date, text, integer) TO forecast_worker;
-- 034 (the three queues in one vocabulary)
GRANT SELECT ON forecast.queues TO forecast_reader, forecast_worker;
-- 025 (side forecasts as one row per series; forecast.side_forecasts is a view of them)
GRANT SELECT, INSERT ON forecast.side_forecast_paths TO forecast_worker;
GRANT SELECT ON forecast.side_forecasts TO forecast_worker;
-- 026 (the planner's statistics of its run's series partition, analyzed as the table owner)
GRANT EXECUTE ON FUNCTION forecast.analyze_run_series(bigint) TO forecast_worker;
-- 041 (a published run's partition indexed by location, as the table owner)
GRANT EXECUTE ON FUNCTION forecast.index_published_run(bigint) TO forecast_worker;
-- 042 (the planner prepares a stored model's competing prices; workers read them)
GRANT SELECT, INSERT ON forecast.run_category_prices TO forecast_worker;
-- 028 (the stage trigger writes the audit trail as the schema owner; no role writes it by hand,
-- and earlier databases granted the worker INSERT on it)
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON forecast.model_stage_events FROM forecast_worker, forecast_reader;
REVOKE UPDATE, DELETE, TRUNCATE ON forecast.model_versions FROM forecast_worker, forecast_reader;
-- 023 (evaluations take their id from a sequence since the partitioning; since 045 only the
-- owner's function inserts them)
REVOKE USAGE ON SEQUENCE forecast.evaluations_id_seq FROM forecast_worker;
-- 031
GRANT EXECUTE ON FUNCTION forecast.fail_abandoned_backtests() TO forecast_worker;
-- 036 (requeues are recorded by a trigger of the owner's; every role may read them)
GRANT SELECT ON forecast.queue_events TO forecast_reader, forecast_worker;
-- 037 (the workers write a run's extra levels; readers read them per period)
GRANT SELECT, INSERT ON forecast.forecast_quantiles TO forecast_worker;
GRANT SELECT ON forecast.latest_quantiles TO forecast_reader, forecast_worker;
-- 038 (the daemons take, finish and retry jobs; anyone may read them)
GRANT SELECT, INSERT, UPDATE ON forecast.job_requests TO forecast_worker;
GRANT SELECT ON forecast.job_requests TO forecast_reader;
GRANT EXECUTE ON FUNCTION forecast.enqueue_job(text, text, integer) TO forecast_worker;
-- 039 (the exceptions a planner reviews)
GRANT SELECT ON forecast.exceptions_4w TO forecast_reader, forecast_worker;
-- 040
GRANT SELECT ON forecast.quantile_coverage_4w TO forecast_reader, forecast_worker;
-- 044 (evaluate keeps the rollups the 4-week views read, through the owner's functions: no role
-- writes a rollup by hand)
GRANT EXECUTE ON FUNCTION forecast.roll_up_evaluations(bigint, date[]), forecast.roll_up_series() TO forecast_worker;
GRANT SELECT ON forecast.evaluation_rollup, forecast.evaluation_level_rollup, forecast.evaluation_rollup_current,
                forecast.series_days, forecast.series_day_sources, forecast.series_4w TO forecast_reader, forecast_worker;
