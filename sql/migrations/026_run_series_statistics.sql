-- The planner's statistics for a run's series list (forecast.run_series_r<run>): the chunk reads
-- are planned from them. ANALYZE needs the table's owner, and the partitions are made by
-- forecast.attach_partition (SECURITY DEFINER), so under the least-privilege worker role a plain
-- ANALYZE was skipped with a warning. This function analyzes exactly one run's partition.
CREATE FUNCTION forecast.analyze_run_series(p_run_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF to_regclass(format('forecast.%I', 'run_series_r' || p_run_id)) IS NULL THEN
        RAISE EXCEPTION 'forecast.analyze_run_series: run % has no series partition', p_run_id;
    END IF;
    EXECUTE format('ANALYZE forecast.%I', 'run_series_r' || p_run_id);
END $$;
REVOKE ALL ON FUNCTION forecast.analyze_run_series(bigint) FROM PUBLIC;
COMMENT ON FUNCTION forecast.analyze_run_series(bigint) IS
    'Statistics of one run''s partition of forecast.run_series (called by the planner, as the table owner).';
