-- 021: the service and cost side of the metrics contract (ops/metrics-contract.json; load it with
-- `forecastctl objectives --apply FILE`). Per frequency a publish deadline, a maximum run
-- duration and cost budgets; per input source a maximum age. Runs record what they cost (client
-- CPU seconds of planning, training and every work item; bytes their rows take). The views answer
-- "did the numbers arrive on time, from fresh inputs, within budget?" in one query a DBA can alert on:
--   SELECT * FROM forecast.service_status WHERE NOT ok;

ALTER TABLE forecast.work_items ADD COLUMN cpu_seconds double precision;
ALTER TABLE forecast.runs
    ADD COLUMN cpu_seconds double precision,
    ADD COLUMN bytes_stored bigint;
COMMENT ON COLUMN forecast.runs.cpu_seconds IS 'Client CPU seconds of the run-level steps (contracts, planning, training or preparing the model); work items record their own in work_items.cpu_seconds.';
COMMENT ON COLUMN forecast.runs.bytes_stored IS 'Bytes the run''s rows take (forecasts, side forecasts, series stats), measured after publishing.';

CREATE TABLE forecast.service_objectives (
    frequency                   text PRIMARY KEY,
    publish_by                  interval NOT NULL,
    max_run_seconds             double precision NOT NULL,
    cpu_seconds_per_1000_series double precision NOT NULL,
    max_bytes_per_run           bigint NOT NULL,
    retention_days              integer NOT NULL,
    CONSTRAINT objective_frequency_is_known CHECK (frequency IN ('day', 'week')),
    CONSTRAINT publish_by_is_after_the_cutoff CHECK (publish_by > interval '0')
);
COMMENT ON TABLE forecast.service_objectives IS
    'Per frequency: publish the run of cutoff C by C + publish_by (UTC; e.g. 1 day 3 hours = 03:00 the morning after a daily cutoff), take at most max_run_seconds, spend at most cpu_seconds_per_1000_series client CPU and max_bytes_per_run storage, keep runs retention_days.';
INSERT INTO forecast.service_objectives VALUES
    ('day', interval '1 day 3 hours', 3600, 60, 2000000000, 400),
    ('week', interval '1 day 5 hours', 7200, 120, 2000000000, 800);

CREATE TABLE forecast.source_objectives (
    source  text PRIMARY KEY,
    max_age interval NOT NULL,
    CONSTRAINT source_is_known CHECK (source IN ('sales', 'prices', 'promotions'))
);
COMMENT ON TABLE forecast.source_objectives IS
    'Maximum age of each input source''s newest row (sales: loaded_at; prices and promotions: known_at), read by forecast.input_freshness.';
INSERT INTO forecast.source_objectives VALUES ('sales', interval '36 hours'), ('prices', interval '45 days'), ('promotions', interval '30 days');

-- The default input schema "demand" (a deployment with another schema replaces this view).
CREATE VIEW forecast.input_freshness AS
WITH newest AS (
    SELECT 'sales' AS source, max(loaded_at) AS newest FROM demand.sales
    UNION ALL SELECT 'prices', max(known_at) FROM demand.prices
    UNION ALL SELECT 'promotions', max(known_at) FROM demand.promotions)
SELECT o.source, n.newest, clock_timestamp() - n.newest AS age, o.max_age,
       (n.newest IS NOT NULL AND clock_timestamp() - n.newest <= o.max_age) AS ok
FROM forecast.source_objectives o LEFT JOIN newest n USING (source);
COMMENT ON VIEW forecast.input_freshness IS 'Age of the newest row of each input source against its objective.';

CREATE VIEW forecast.run_costs AS
SELECT r.id AS run_id, r.frequency, r.cutoff, r.status, r.series_count, r.row_count,
       r.published_at - r.created_at AS duration,
       coalesce(r.cpu_seconds, 0) + coalesce((SELECT sum(w.cpu_seconds) FROM forecast.work_items w WHERE w.run_id = r.id), 0) AS cpu_seconds,
       r.bytes_stored
FROM forecast.runs r;
COMMENT ON VIEW forecast.run_costs IS 'Per run: duration (created to published), client CPU seconds (run-level steps plus work items) and bytes stored.';

CREATE VIEW forecast.service_status AS
WITH last AS (
    SELECT DISTINCT ON (frequency) * FROM forecast.runs WHERE status = 'published'
    ORDER BY frequency, cutoff DESC, published_at DESC),
newest_cutoff AS (
    -- The cutoff that should be published by now: the newest whose deadline has passed.
    SELECT o.frequency,
           CASE WHEN o.frequency = 'day' THEN (clock_timestamp() AT TIME ZONE 'UTC' - o.publish_by)::date
                ELSE date_trunc('week', clock_timestamp() AT TIME ZONE 'UTC' - o.publish_by + interval '1 day')::date - 1 END AS due_cutoff
    FROM forecast.service_objectives o)
SELECT o.frequency, l.id AS run_id, l.cutoff, l.published_at,
       (l.cutoff::timestamp + o.publish_by) AT TIME ZONE 'UTC' AS deadline,
       (l.published_at <= (l.cutoff::timestamp + o.publish_by) AT TIME ZONE 'UTC') AS met_deadline,
       n.due_cutoff, (l.cutoff IS NOT NULL AND l.cutoff >= n.due_cutoff) AS due_cutoff_published,
       c.duration, o.max_run_seconds, (extract(epoch FROM c.duration) <= o.max_run_seconds) AS duration_ok,
       c.cpu_seconds, round((1000 * c.cpu_seconds / nullif(l.series_count, 0))::numeric, 2) AS cpu_seconds_per_1000_series,
       o.cpu_seconds_per_1000_series AS cpu_budget,
       (1000 * c.cpu_seconds / nullif(l.series_count, 0) <= o.cpu_seconds_per_1000_series) AS cpu_ok,
       l.bytes_stored, o.max_bytes_per_run, (l.bytes_stored IS NULL OR l.bytes_stored <= o.max_bytes_per_run) AS bytes_ok,
       (SELECT bool_and(ok) FROM forecast.input_freshness) AS inputs_fresh,
       CASE WHEN l.id IS NOT NULL THEN coalesce(l.published_at <= (l.cutoff::timestamp + o.publish_by) AT TIME ZONE 'UTC'
                AND l.cutoff >= n.due_cutoff
                AND extract(epoch FROM c.duration) <= o.max_run_seconds
                AND coalesce(1000 * c.cpu_seconds / nullif(l.series_count, 0) <= o.cpu_seconds_per_1000_series, true)
                AND (l.bytes_stored IS NULL OR l.bytes_stored <= o.max_bytes_per_run)
                AND (SELECT bool_and(ok) FROM forecast.input_freshness), false) END AS ok
FROM forecast.service_objectives o
JOIN newest_cutoff n USING (frequency)
LEFT JOIN last l ON l.frequency = o.frequency
LEFT JOIN forecast.run_costs c ON c.run_id = l.id;
COMMENT ON VIEW forecast.service_status IS
    'Per frequency: the last published run, whether it met its publish deadline, whether the cutoff due by now is published, run duration, client CPU per 1,000 series and bytes stored against budget, input freshness; ok = all of them (NULL for a frequency never published: not in service). Alert on SELECT * FROM forecast.service_status WHERE NOT ok.';
