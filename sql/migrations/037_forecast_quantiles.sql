-- 037: several interval levels per run (`run --levels 0.5,0.9,0.95`, or a version trained with
-- them). A level L is the central interval between the quantiles (1 - L) / 2 and (1 + L) / 2
-- (0.9: P5 and P95), calibrated conformally by the run's calibration backtest like the run's own
-- interval. Stored as one row per run, series and level with the horizon in arrays (element
-- h - 1 = horizon h), one partition per run like the forecasts; read them per period, beside
-- the run's own level, in forecast.latest_quantiles.
CREATE TABLE forecast.forecast_quantiles (
    run_id         bigint NOT NULL,
    item_id        text COLLATE "C" NOT NULL,
    location_id    text COLLATE "C" NOT NULL,
    interval_level double precision NOT NULL,
    yhat_lower     double precision[] NOT NULL,
    yhat_upper     double precision[] NOT NULL,
    CONSTRAINT forecast_quantiles_pkey PRIMARY KEY (run_id, item_id, location_id, interval_level),
    CONSTRAINT forecast_quantile_level_is_fraction CHECK (interval_level > 0 AND interval_level < 1),
    CONSTRAINT forecast_quantiles_are_aligned CHECK (
        cardinality(yhat_lower) > 0 AND array_ndims(yhat_lower) = 1 AND array_lower(yhat_lower, 1) = 1
        AND cardinality(yhat_upper) = cardinality(yhat_lower)
        AND array_position(yhat_lower, NULL) IS NULL AND array_position(yhat_upper, NULL) IS NULL)
) PARTITION BY LIST (run_id);
COMMENT ON TABLE forecast.forecast_quantiles IS
    'A run''s extra interval levels (--levels), one row per series and level with the horizon in arrays (element h - 1 = horizon h), one partition per run. Read them per period in forecast.latest_quantiles.';

CREATE OR REPLACE FUNCTION forecast.run_partitioned_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['forecasts', 'side_forecast_paths', 'series_stats', 'run_series', 'evaluations', 'forecast_quantiles']
$$;
-- Runs made before this migration get their (empty) partition too, so that every run has the same parts.
SELECT forecast.attach_partition('forecast_quantiles', id) FROM forecast.runs WHERE purged_at IS NULL;

-- Rows are added only while their run is running (FC003), as for forecast.forecasts (migration 012):
-- the worker role, which must INSERT them, cannot add bands to a published run.
CREATE TRIGGER quantile_rows_only_while_running AFTER INSERT ON forecast.forecast_quantiles
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();

-- Published output is not edited afterwards, as for forecast.forecasts (migration 012).
CREATE FUNCTION forecast.refuse_published_quantile_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM forecast.runs WHERE id = OLD.run_id AND status IN ('published', 'superseded')) THEN
        RAISE EXCEPTION 'run %: its quantiles are published and cannot change', OLD.run_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER published_quantiles_are_fixed BEFORE UPDATE OR DELETE ON forecast.forecast_quantiles
    FOR EACH ROW EXECUTE FUNCTION forecast.refuse_published_quantile_change();

-- The quantile a bound of a central interval stands for: (1 - level) / 2 below, (1 + level) / 2
-- above, rounded to 9 digits so that 0.8 reads 0.1 and 0.9, not 0.09999999999999998.
CREATE FUNCTION forecast.interval_quantile(level double precision, side integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round(((1 + side * level) / 2)::numeric, 9)::double precision $$;

-- Every level of what forecast.latest serves, per period: the run's own level (from the row
-- itself) and each extra level, with the quantiles each bound stands for.
CREATE VIEW forecast.latest_quantiles AS
SELECT l.item_id, l.location_id, l.ds, l.horizon, l.frequency, l.interval_level,
       forecast.interval_quantile(l.interval_level, -1) AS lower_quantile, forecast.interval_quantile(l.interval_level, 1) AS upper_quantile,
       l.yhat, l.yhat_lower, l.yhat_upper, l.model_name, l.model_version, l.run_id, l.cutoff
FROM forecast.latest l
UNION ALL
SELECT l.item_id, l.location_id, l.ds, l.horizon, l.frequency, q.interval_level,
       forecast.interval_quantile(q.interval_level, -1), forecast.interval_quantile(q.interval_level, 1),
       l.yhat, q.yhat_lower[l.horizon], q.yhat_upper[l.horizon], l.model_name, l.model_version, l.run_id, l.cutoff
FROM forecast.latest l
JOIN forecast.forecast_quantiles q ON q.run_id = l.run_id AND q.item_id = l.item_id AND q.location_id = l.location_id;
COMMENT ON VIEW forecast.latest_quantiles IS
    'What forecast.latest serves at every interval level the run published: its own level and the --levels ones; level L is the interval between the quantiles (1-L)/2 and (1+L)/2 (lower_quantile, upper_quantile).';
COMMENT ON COLUMN forecast.runs.purged_at IS 'When forecastctl retention dropped this run''s partitions (forecasts, side forecasts, series stats, run series, evaluations, quantiles). The run row stays.';
COMMENT ON COLUMN forecast.runs.bytes_stored IS 'Bytes of the run''s partitions (forecasts, side forecasts, series stats, run series, evaluations, quantiles), indexes included, measured after publishing (forecast.run_bytes).';
