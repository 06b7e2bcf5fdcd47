-- 013: whether a running run is alive. forecast.run_summary gains the last sign of work (a claim,
-- a heartbeat, a finished item), how long ago that was, the items held now and the age of their
-- oldest heartbeat, and `abandoned`: running, but no sign of work for two leases (every process
-- working on it is gone; `forecastctl run` or `work --run ID` picks it up, `cancel` ends it).
CREATE OR REPLACE VIEW forecast.run_summary AS
SELECT r.id, r.cutoff, r.as_of, r.frequency, r.horizon, r.status, r.series_count, r.row_count,
       r.warning_count, r.created_at, r.published_at, r.finished_at - r.started_at AS duration, r.error,
       (SELECT count(*) FROM forecast.work_items w WHERE w.run_id = r.id AND w.state = 'completed') AS items_completed,
       r.work_item_count AS items_total,
       a.last_activity_at,
       clock_timestamp() - a.last_activity_at AS idle,
       a.held_items,
       clock_timestamp() - a.oldest_heartbeat_at AS oldest_heartbeat_age,
       (r.status = 'running'
        AND clock_timestamp() - a.last_activity_at
            > 2 * make_interval(secs => coalesce((r.config ->> 'leaseSeconds')::float8, 60))) AS abandoned
FROM forecast.runs r
LEFT JOIN LATERAL (
    SELECT greatest(r.started_at, max(w.attempted_at), max(w.heartbeat_at), max(w.finalized_at)) AS last_activity_at,
           count(*) FILTER (WHERE w.state = 'running') AS held_items,
           min(w.heartbeat_at) FILTER (WHERE w.state = 'running') AS oldest_heartbeat_at
    FROM forecast.work_items w WHERE w.run_id = r.id) a ON true;
COMMENT ON VIEW forecast.run_summary IS
    'Runs for humans: counts, duration, error, and for running runs the last sign of work, idle time, held items, oldest heartbeat age and abandoned (no sign of work for two leases).';
