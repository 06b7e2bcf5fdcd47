-- 011: one definition of "the run consumers are served", used by forecast.latest and
-- forecast.freshness alike. Before, latest took the newest cutoff and freshness the newest publish
-- time, so a backfill (`run --cutoff` of an older day) made freshness report the backfill while
-- latest served another run. Now both name the same run; a backfill moves neither backwards.
-- Amended: its grants moved to sql/roles/grants.sql (applied by every migrate once the roles exist).
-- previous-checksum: ddc1a20c88abd0f7f9c9815222dc556d
CREATE VIEW forecast.served_runs AS
SELECT DISTINCT ON (frequency) id AS run_id, frequency, cutoff, published_at
FROM forecast.runs
WHERE status = 'published'
ORDER BY frequency, cutoff DESC, published_at DESC, id DESC;
COMMENT ON VIEW forecast.served_runs IS
    'Per frequency, the published run forecast.latest serves: the newest cutoff (then the newest publish). forecast.freshness reports the same run.';

CREATE OR REPLACE VIEW forecast.latest AS
SELECT f.item_id, f.location_id, f.ds, f.horizon, f.yhat, f.yhat_lower, f.yhat_upper,
       f.interval_level, f.model_name, f.model_version, f.run_id, f.cutoff, f.generated_at,
       s.frequency
FROM forecast.forecasts f
JOIN forecast.served_runs s ON s.run_id = f.run_id;

CREATE OR REPLACE VIEW forecast.freshness AS
SELECT sla.frequency,
       s.run_id,
       s.cutoff,
       s.published_at,
       clock_timestamp() - s.published_at AS age,
       sla.max_age,
       (s.published_at IS NULL OR clock_timestamp() - s.published_at > sla.max_age) AS is_stale
FROM forecast.freshness_sla sla
LEFT JOIN forecast.served_runs s ON s.frequency = sla.frequency;
COMMENT ON VIEW forecast.freshness IS
    'Age of the run forecast.latest serves (forecast.served_runs), per frequency, against its SLA; is_stale = page someone.';
