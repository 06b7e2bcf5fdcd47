-- 023: growth without bound is a bug. The tables that grow with every run or backtest are
-- partitioned (native declarative LIST partitioning, one partition per run or backtest), and
-- retention drops whole partitions: dropping a partition is the delete (no bloat, no vacuum debt).
--   per run:      forecasts, side_forecasts, series_stats, run_series, evaluations   (<table>_r<run id>)
--   per backtest: backtest_results                                                   (backtest_results_b<id>)
-- A run's partitions are created when its row is inserted (trigger, as the schema owner, with
-- CREATE TABLE + ATTACH PARTITION, which takes SHARE UPDATE EXCLUSIVE on the parent: readers and
-- writers of other runs are not blocked). `forecastctl retention` detaches (CONCURRENTLY) and drops
-- what forecast.retention_plan() says may go; it keeps what rollback and evaluation need.
-- forecast.latest reads the served run through a LATERAL join, so the planner prunes to the served
-- partitions at execution time however long the history grows.

-- The tables partitioned per run: one list, read by whatever makes, measures or drops a run's
-- partitions (including forecastctl retention).
CREATE FUNCTION forecast.run_partitioned_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['forecasts', 'side_forecasts', 'series_stats', 'run_series', 'evaluations']
$$;

-- One place creates partitions; the tables it may touch are listed here, nothing else.
CREATE FUNCTION forecast.attach_partition(parent text, key bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '30s' AS $$
DECLARE
    child text;
BEGIN
    IF parent = ANY (forecast.run_partitioned_tables()) THEN
        child := parent || '_r' || key;
    ELSIF parent = 'backtest_results' THEN
        child := parent || '_b' || key;
    ELSE
        RAISE EXCEPTION 'forecast.attach_partition: % is not a partitioned table of this project', parent;
    END IF;
    IF to_regclass(format('forecast.%I', child)) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE forecast.%I (LIKE forecast.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)', child, parent);
    EXECUTE format('ALTER TABLE forecast.%I ATTACH PARTITION forecast.%I FOR VALUES IN (%s)', parent, child, key);
END $$;
REVOKE ALL ON FUNCTION forecast.attach_partition(text, bigint) FROM PUBLIC;

CREATE FUNCTION forecast.create_run_partitions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM forecast.attach_partition(t, NEW.id)
    FROM unnest(forecast.run_partitioned_tables()) t;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION forecast.create_run_partitions() FROM PUBLIC;

CREATE FUNCTION forecast.create_backtest_partition() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM forecast.attach_partition('backtest_results', NEW.id);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION forecast.create_backtest_partition() FROM PUBLIC;

-- Move each table under a partitioned parent of the same name and shape. The views that read them
-- are re-created from their own definitions (captured fully qualified before the swap).
DO $$
DECLARE
    spec record;
    v record;
    view_names text[] := '{}';
    view_defs text[] := '{}';
    saved_path text := current_setting('search_path');
    i integer;
BEGIN
    PERFORM set_config('search_path', '', true);
    FOR v IN
        SELECT DISTINCT vc.oid, vc.oid::regclass::text AS name
        FROM pg_depend d
        JOIN pg_rewrite r ON r.oid = d.objid
        JOIN pg_class vc ON vc.oid = r.ev_class
        WHERE vc.relkind = 'v'
          AND d.refobjid IN ('forecast.forecasts'::regclass, 'forecast.side_forecasts'::regclass,
                             'forecast.series_stats'::regclass, 'forecast.run_series'::regclass,
                             'forecast.evaluations'::regclass, 'forecast.backtest_results'::regclass)
    LOOP
        view_names := view_names || v.name;
        view_defs := view_defs || pg_get_viewdef(v.oid);
    END LOOP;
    PERFORM set_config('search_path', saved_path, true);

    FOR spec IN SELECT * FROM (VALUES ('forecasts', 'run_id'), ('side_forecasts', 'run_id'), ('series_stats', 'run_id'),
                                      ('run_series', 'run_id'), ('evaluations', 'run_id'),
                                      ('backtest_results', 'backtest_id')) s(t, key)
    LOOP
        EXECUTE format('ALTER TABLE forecast.%I RENAME TO %I', spec.t, spec.t || '_unpartitioned');
        EXECUTE format('CREATE TABLE forecast.%I (LIKE forecast.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY LIST (%I)',
                       spec.t, spec.t || '_unpartitioned', spec.key);
    END LOOP;

    PERFORM forecast.attach_partition(t, k)
    FROM (SELECT id FROM forecast.runs UNION SELECT run_id FROM forecast.forecasts_unpartitioned
          UNION SELECT run_id FROM forecast.side_forecasts_unpartitioned) ids(k),
         unnest(forecast.run_partitioned_tables()) t;
    PERFORM forecast.attach_partition('backtest_results', k)
    FROM (SELECT id FROM forecast.backtests UNION SELECT backtest_id FROM forecast.backtest_results_unpartitioned) ids(k);

    FOR spec IN SELECT unnest(forecast.run_partitioned_tables() || 'backtest_results'::text) AS t
    LOOP
        EXECUTE format('INSERT INTO forecast.%I SELECT * FROM forecast.%I', spec.t, spec.t || '_unpartitioned');
    END LOOP;

    FOR i IN 1 .. coalesce(array_length(view_names, 1), 0) LOOP
        EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', view_names[i], view_defs[i]);
    END LOOP;

    FOR spec IN SELECT unnest(forecast.run_partitioned_tables() || 'backtest_results'::text) AS t
    LOOP
        EXECUTE format('DROP TABLE forecast.%I', spec.t || '_unpartitioned');
    END LOOP;
END $$;

-- Keys, indexes and guards, as before (a unique key on a partitioned table includes the partition key).
ALTER TABLE forecast.forecasts ADD CONSTRAINT forecasts_pkey PRIMARY KEY (run_id, item_id, location_id, ds);
ALTER TABLE forecast.side_forecasts ADD CONSTRAINT side_forecasts_pkey PRIMARY KEY (run_id, role, item_id, location_id, ds);
ALTER TABLE forecast.series_stats ADD CONSTRAINT series_stats_pkey PRIMARY KEY (run_id, item_id, location_id);
-- Unique keys include the series key, so that the tables can be distributed on item_id (Citus,
-- README): run_series is keyed by its series (series_no is numbered by the one statement that
-- plans the run, and indexed).
ALTER TABLE forecast.run_series
    ADD CONSTRAINT run_series_pkey PRIMARY KEY (run_id, item_id, location_id),
    ADD CONSTRAINT run_series_run_id_fkey FOREIGN KEY (run_id) REFERENCES forecast.runs (id) ON DELETE CASCADE;
CREATE INDEX run_series_chunk_idx ON forecast.run_series (run_id, chunk);
CREATE INDEX run_series_number_idx ON forecast.run_series (run_id, series_no);
CREATE SEQUENCE forecast.evaluations_id_seq OWNED BY forecast.evaluations.id;
SELECT setval('forecast.evaluations_id_seq', coalesce((SELECT max(id) FROM forecast.evaluations), 0) + 1, false);
ALTER TABLE forecast.evaluations
    ALTER COLUMN id SET DEFAULT nextval('forecast.evaluations_id_seq'),
    ADD CONSTRAINT evaluations_pkey PRIMARY KEY (run_id, item_id, id),
    ADD CONSTRAINT evaluations_run_id_fkey FOREIGN KEY (run_id) REFERENCES forecast.runs (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX evaluations_current_key ON forecast.evaluations (run_id, role, item_id, location_id, ds)
    WHERE replaced_at IS NULL;
CREATE INDEX evaluations_current_by_target ON forecast.evaluations (frequency, ds) WHERE replaced_at IS NULL;
CREATE INDEX evaluations_current_by_key ON forecast.evaluations (item_id, location_id, ds) WHERE replaced_at IS NULL;
CREATE INDEX backtest_results_model_idx ON forecast.backtest_results (backtest_id, model_name, fold);
CREATE TRIGGER forecast_rows_only_while_running AFTER INSERT ON forecast.forecasts
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
CREATE TRIGGER side_rows_only_while_running AFTER INSERT ON forecast.side_forecasts
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
CREATE TRIGGER series_stats_only_while_running AFTER INSERT ON forecast.series_stats
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
CREATE TRIGGER run_partitions AFTER INSERT ON forecast.runs
    FOR EACH ROW EXECUTE FUNCTION forecast.create_run_partitions();
CREATE TRIGGER backtest_partition AFTER INSERT ON forecast.backtests
    FOR EACH ROW EXECUTE FUNCTION forecast.create_backtest_partition();

COMMENT ON TABLE forecast.forecasts IS
    'Canonical forecast rows of every run, one partition per run (forecasts_r<run id>). Read forecast.latest, not this table: rows of unpublished runs are here too.';
COMMENT ON TABLE forecast.side_forecasts IS
    'Shadow (role shadow) and seasonal-naive baseline (role baseline) forecasts of a run, one partition per run; never in forecast.latest. Read forecast.shadow_comparison.';
COMMENT ON TABLE forecast.series_stats IS
    'Per run and series, what the model saw and what it forecast (monitoring profile), one partition per run.';
COMMENT ON TABLE forecast.run_series IS 'The series a run forecasts, fixed when the run starts; one partition per run.';
COMMENT ON TABLE forecast.evaluations IS
    'A published forecast (served, shadow or baseline) with the actual of its target period once it landed (a missing sales row = 0); replaced_at set when a restated actual replaced it. One partition per run.';
COMMENT ON TABLE forecast.backtest_results IS
    'Per model x fold x series x target period: forecast, interval and actual (NULL = censored, not scored). One partition per backtest.';

-- Pruned at execution time: each frequency's served run is a scalar (an InitPlan parameter), so only
-- its partition is scanned, and filters on item, location or date reach that partition's index.
-- (A join with served_runs would be planned over every partition.) A new frequency adds a branch.
CREATE OR REPLACE VIEW forecast.latest AS
SELECT f.item_id, f.location_id, f.ds, f.horizon, f.yhat, f.yhat_lower, f.yhat_upper,
       f.interval_level, f.model_name, f.model_version, f.run_id, f.cutoff, f.generated_at, 'day'::text AS frequency
FROM forecast.forecasts f
WHERE f.run_id = (SELECT run_id FROM forecast.served_runs WHERE frequency = 'day')
UNION ALL
SELECT f.item_id, f.location_id, f.ds, f.horizon, f.yhat, f.yhat_lower, f.yhat_upper,
       f.interval_level, f.model_name, f.model_version, f.run_id, f.cutoff, f.generated_at, 'week'::text
FROM forecast.forecasts f
WHERE f.run_id = (SELECT run_id FROM forecast.served_runs WHERE frequency = 'week');

-- forecast_value_added without self-joins of evaluation_current: one pass that pivots each
-- target's roles (served, baseline, shadow). The join form planned as nested loops over window
-- aggregates whenever the new partitions had no statistics yet (23 s to minutes on 7 small runs;
-- the worker role cannot ANALYZE them); this form is one scan and a hash aggregate whatever the estimates.
CREATE OR REPLACE VIEW forecast.forecast_value_added AS
WITH targets AS (
    SELECT frequency,
           max(category) FILTER (WHERE role = 'served') AS category,
           max(region) FILTER (WHERE role = 'served') AS region,
           max(demand_class) FILTER (WHERE role = 'served') AS demand_class,
           max(actual) FILTER (WHERE role = 'served') AS actual,
           max(abs(yhat - actual)) FILTER (WHERE role = 'served') AS served_error,
           max(abs(yhat - actual)) FILTER (WHERE role = 'baseline') AS baseline_error,
           max(abs(yhat - actual)) FILTER (WHERE role = 'shadow') AS shadow_error,
           bool_or(in_last_4_weeks) AS recent
    FROM forecast.evaluation_current
    GROUP BY frequency, run_id, item_id, location_id, ds),
paired AS (
    SELECT * FROM targets WHERE served_error IS NOT NULL AND baseline_error IS NOT NULL AND recent)
SELECT frequency,
       CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region'
            WHEN GROUPING(demand_class) = 0 THEN 'class' ELSE 'all' END AS segment_kind,
       coalesce(category, region, demand_class, 'all') AS segment,
       count(*) AS forecasts,
       sum(served_error) / nullif(sum(abs(actual)), 0) AS served_wape,
       sum(baseline_error) / nullif(sum(abs(actual)), 0) AS baseline_wape,
       sum(shadow_error) / nullif(sum(abs(actual)) FILTER (WHERE shadow_error IS NOT NULL), 0) AS shadow_wape,
       1 - sum(served_error) / nullif(sum(baseline_error), 0) AS value_added
FROM paired
GROUP BY GROUPING SETS ((frequency), (frequency, category), (frequency, region), (frequency, demand_class));

-- On a streaming replica (BI readers), how far behind the primary the served forecast may be:
-- 0 when everything received is replayed, else the time since the last replayed commit; NULL on
-- the primary.
CREATE OR REPLACE VIEW forecast.freshness AS
SELECT sla.frequency,
       s.run_id,
       s.cutoff,
       s.published_at,
       clock_timestamp() - s.published_at AS age,
       sla.max_age,
       (s.published_at IS NULL OR clock_timestamp() - s.published_at > sla.max_age) AS is_stale,
       CASE WHEN pg_is_in_recovery() THEN
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN interval '0'
                ELSE clock_timestamp() - pg_last_xact_replay_timestamp() END
       END AS replica_lag
FROM forecast.freshness_sla sla
LEFT JOIN forecast.served_runs s ON s.frequency = sla.frequency;
COMMENT ON COLUMN forecast.freshness.replica_lag IS
    'On a hot standby: 0 when caught up, else the time since the last replayed commit. NULL on the primary.';

-- JIT off for this database's sessions: before run-time pruning the planner costs a query on
-- forecast.latest over every run's partition, so with some history every read crosses
-- jit_above_cost and compiles expressions for partitions it will never scan (measured with 100
-- runs: 1.5 s instead of 28 ms for one location). Needs the database's owner (or a superuser);
-- otherwise the DBA is told to set it.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'forecast: could not set jit = off for database % (not its owner); set it: ALTER DATABASE % SET jit = off', current_database(), current_database();
END $$;

-- Bytes a run's rows take: the size of its partitions, indexes included.
CREATE FUNCTION forecast.run_bytes(run bigint) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(sum(pg_total_relation_size(format('forecast.%I', t || '_r' || run)::regclass)), 0)::bigint
    FROM unnest(forecast.run_partitioned_tables()) t
    WHERE to_regclass(format('forecast.%I', t || '_r' || run)) IS NOT NULL
$$;

-- What retention removed: a run or backtest whose partitions were dropped.
ALTER TABLE forecast.runs ADD COLUMN purged_at timestamptz;
ALTER TABLE forecast.backtests ADD COLUMN purged_at timestamptz;
COMMENT ON COLUMN forecast.runs.purged_at IS 'When forecastctl retention dropped this run''s partitions (forecasts, side forecasts, series stats, run series, evaluations). The run row stays.';
COMMENT ON COLUMN forecast.runs.bytes_stored IS 'Bytes of the run''s partitions (forecasts, side forecasts, series stats, run series, evaluations), indexes included, measured after publishing (forecast.run_bytes).';
COMMENT ON COLUMN forecast.backtests.purged_at IS 'When forecastctl retention dropped this backtest''s results partition. The backtest row (config, summary) stays.';

CREATE TABLE forecast.retention_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL,
    key        bigint NOT NULL,
    reason     text NOT NULL,
    rows       bigint NOT NULL,
    bytes      bigint NOT NULL,
    db_role    text NOT NULL DEFAULT session_user,
    os_user    text,
    dropped_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT retention_kind_is_known CHECK (kind IN ('run', 'backtest'))
);
COMMENT ON TABLE forecast.retention_events IS 'Audit trail of forecastctl retention: which run or backtest lost its partitions, why, how many rows and bytes, who.';

-- A purged run cannot be pinned (its rows are gone).
CREATE FUNCTION forecast.guard_pin_of_purged_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM forecast.runs WHERE id = NEW.run_id AND purged_at IS NOT NULL) THEN
        RAISE EXCEPTION 'run % was purged by retention: its forecast rows are gone and it cannot be served', NEW.run_id
            USING ERRCODE = 'FC006';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER pins_need_rows BEFORE INSERT OR UPDATE ON forecast.output_pins
    FOR EACH ROW EXECUTE FUNCTION forecast.guard_pin_of_purged_run();

-- The retention decision, one row per run and backtest not yet purged, with the reason it is kept
-- or may go. Kept: runs in flight; the runs forecast.latest serves (pins included); the newest
-- `rollback_depth` published cutoffs per frequency (what `publish --run` may roll back to);
-- published runs whose actuals have not all landed (forecastctl evaluate still needs them);
-- anything younger than its frequency's retention_days (forecast.service_objectives; no
-- objective = kept). Backtests: the ones a model version names (lineage, model cards), running
-- ones, and those younger than retention_days.
CREATE FUNCTION forecast.retention_plan(rollback_depth integer DEFAULT 7, today date DEFAULT current_date)
RETURNS TABLE (kind text, key bigint, frequency text, cutoff date, status text, keep boolean, reason text)
LANGUAGE sql STABLE AS $$
    WITH landed AS (
        SELECT input_schema, max(landed_through) AS through FROM forecast.evaluation_passes GROUP BY input_schema),
    rollback AS (
        SELECT id FROM (
            SELECT id, row_number() OVER (PARTITION BY frequency ORDER BY cutoff DESC, published_at DESC, id DESC) AS n
            FROM forecast.runs WHERE status = 'published') p
        WHERE n <= rollback_depth),
    runs AS (
        SELECT r.id, r.frequency, r.cutoff, r.status,
               CASE
                   WHEN r.status IN ('queued', 'running') THEN 'in flight'
                   WHEN r.id IN (SELECT run_id FROM forecast.served_runs) THEN 'served by forecast.latest'
                   WHEN r.id IN (SELECT id FROM rollback) THEN format('rollback target (newest %s published cutoffs)', rollback_depth)
                   WHEN r.status = 'published'
                        AND (l.through IS NULL
                             OR r.cutoff + CASE r.frequency WHEN 'week' THEN 7 ELSE 1 END * r.horizon > l.through)
                        THEN 'awaiting actuals (forecastctl evaluate)'
                   WHEN o.retention_days IS NULL THEN 'no retention objective for this frequency'
                   WHEN r.cutoff >= today - o.retention_days THEN format('within retention (%s days)', o.retention_days)
               END AS kept_because,
               o.retention_days
        FROM forecast.runs r
        LEFT JOIN landed l ON l.input_schema = coalesce(r.config ->> 'inputSchema', 'demand')
        LEFT JOIN forecast.service_objectives o ON o.frequency = r.frequency
        WHERE r.purged_at IS NULL)
    SELECT 'run', id, frequency, cutoff, status, kept_because IS NOT NULL,
           coalesce(kept_because, format('older than retention (%s days)', retention_days))
    FROM runs
    UNION ALL
    SELECT 'backtest', b.id, b.frequency, b.end_date, b.status, k.kept_because IS NOT NULL,
           coalesce(k.kept_because, format('older than retention (%s days)', o.retention_days))
    FROM forecast.backtests b
    LEFT JOIN forecast.service_objectives o ON o.frequency = b.frequency
    CROSS JOIN LATERAL (SELECT CASE
        WHEN b.status = 'running' THEN 'in flight'
        WHEN EXISTS (SELECT 1 FROM forecast.model_versions v WHERE v.backtest_id = b.id) THEN 'lineage of a model version'
        WHEN o.retention_days IS NULL THEN 'no retention objective for this frequency'
        WHEN b.created_at >= today - o.retention_days THEN format('within retention (%s days)', o.retention_days)
    END AS kept_because) k
    WHERE b.purged_at IS NULL
$$;
COMMENT ON FUNCTION forecast.retention_plan(integer, date) IS
    'Per run and backtest not yet purged: keep or may go, and why. forecastctl retention prints it and, with --apply, drops the partitions of what may go.';
