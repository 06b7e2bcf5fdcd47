-- 034: one vocabulary for the three queues. Work items, run requests and retrain requests move
-- through the same states, in a column of the same name, as work items always did (after River):
--   available (waiting to be taken) -> running (taken by a worker or a daemon) -> completed | failed
-- Run requests were pending / taken / done / failed in `status`, retrain requests open / training /
-- done / failed in `status`. forecast.queues shows the three side by side for an operator.
ALTER TABLE forecast.run_requests DROP CONSTRAINT request_status_is_known;
ALTER TABLE forecast.run_requests RENAME COLUMN status TO state;
UPDATE forecast.run_requests
   SET state = CASE state WHEN 'pending' THEN 'available' WHEN 'taken' THEN 'running' WHEN 'done' THEN 'completed' ELSE state END;
ALTER TABLE forecast.run_requests ALTER COLUMN state SET DEFAULT 'available';
ALTER TABLE forecast.run_requests
    ADD CONSTRAINT request_state_is_known CHECK (state IN ('available', 'running', 'completed', 'failed'));
COMMENT ON TABLE forecast.run_requests IS
    'Runs asked for by the schedule (forecast.enqueue_run): one per frequency and cutoff; worker daemons take them (state running, taken_by) and record the run.';

DROP INDEX forecast.one_pending_retrain_per_rule;
ALTER TABLE forecast.retrain_requests DROP CONSTRAINT retrain_status_is_known;
ALTER TABLE forecast.retrain_requests RENAME COLUMN status TO state;
UPDATE forecast.retrain_requests
   SET state = CASE state WHEN 'open' THEN 'available' WHEN 'training' THEN 'running' WHEN 'done' THEN 'completed' ELSE state END;
ALTER TABLE forecast.retrain_requests ALTER COLUMN state SET DEFAULT 'available';
ALTER TABLE forecast.retrain_requests
    ADD CONSTRAINT retrain_state_is_known CHECK (state IN ('available', 'running', 'completed', 'failed'));
CREATE UNIQUE INDEX one_pending_retrain_per_rule ON forecast.retrain_requests (frequency, rule) WHERE state IN ('available', 'running');

CREATE VIEW forecast.queues AS
SELECT 'work_items'::text AS queue, state, count(*) AS entries,
       min(scheduled_at) FILTER (WHERE state = 'available') AS oldest_available,
       min(attempted_at) FILTER (WHERE state = 'running') AS oldest_running
FROM forecast.work_items GROUP BY state
UNION ALL
SELECT 'run_requests', state, count(*), min(requested_at) FILTER (WHERE state = 'available'),
       min(taken_at) FILTER (WHERE state = 'running')
FROM forecast.run_requests GROUP BY state
UNION ALL
SELECT 'retrain_requests', state, count(*), min(requested_at) FILTER (WHERE state = 'available'),
       min(started_at) FILTER (WHERE state = 'running')
FROM forecast.retrain_requests GROUP BY state;
COMMENT ON VIEW forecast.queues IS
    'The three queues in one vocabulary (available, running, completed, failed): entries per state, the oldest waiting and the oldest taken.';
