-- 038: the rest of the operating schedule in the database. Besides the nightly run
-- (forecast.enqueue_run), the schedule asks for jobs the worker daemons take:
--   evaluate  join the actuals that landed to the forecasts made for them (forecastctl evaluate)
--   monitor   a monitor pass over the newest published run, accuracy alerts included (forecastctl monitor)
--   retrain   train candidates for the open retrain requests (forecastctl retrain)
--   retention drop the partitions the retention plan lets go (forecastctl retention --apply)
-- forecast.enqueue_job(kind, frequency) is idempotent per kind and frequency while one waits or
-- runs (a scheduler firing twice asks once). A failed job is retried with backoff (1, 2, 4 ...
-- minutes, at most an hour) until max_attempts, then stays failed with its error; `forecastctl
-- cancel --job N` and `forecastctl requeue --job N` end or retry one by hand, recorded in
-- forecast.queue_events. The daemon that takes a job holds an advisory lock on it while it works:
-- a running job whose lock is free lost its daemon and is made available again (after River's
-- rescuer). Retention detaches partitions CONCURRENTLY, which needs the schema owner: only a daemon
-- that says so takes it (`forecastctl worker --jobs retention --no-runs`, logged in as the owner);
-- the worker role's daemons never do (least privilege), and the owner's timer
-- (ops/systemd/forecast-retention.timer) remains the alternative to a long-running owner process.
-- With pg_cron:
--   SELECT cron.schedule('forecast-evaluate', '0 6 * * *', $$SELECT forecast.enqueue_job('evaluate')$$);
--   SELECT cron.schedule('forecast-monitor', '30 6 * * *', $$SELECT forecast.enqueue_job('monitor')$$);
--   SELECT cron.schedule('forecast-retrain', '0 4 * * 0', $$SELECT forecast.enqueue_job('retrain')$$);
--   SELECT cron.schedule('forecast-retention', '0 5 * * *', $$SELECT forecast.enqueue_job('retention')$$);
CREATE TABLE forecast.job_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL,
    frequency    text NOT NULL DEFAULT 'day',
    state        text NOT NULL DEFAULT 'available',
    attempt      integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 3,
    scheduled_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    requested_by text NOT NULL DEFAULT session_user,
    taken_by     text,
    taken_at     timestamptz,
    finished_at  timestamptz,
    result       text,
    error        text,
    CONSTRAINT job_kind_is_known CHECK (kind IN ('evaluate', 'monitor', 'retrain', 'retention')),
    CONSTRAINT job_frequency_is_known CHECK (frequency IN ('day', 'week')),
    CONSTRAINT job_state_is_known CHECK (state IN ('available', 'running', 'completed', 'failed')),
    CONSTRAINT job_attempts_in_range CHECK (max_attempts BETWEEN 1 AND 100 AND attempt >= 0)
);
CREATE UNIQUE INDEX one_waiting_job_per_kind ON forecast.job_requests (kind, frequency) WHERE state IN ('available', 'running');
CREATE INDEX job_requests_to_take ON forecast.job_requests (scheduled_at, id) WHERE state = 'available';
COMMENT ON TABLE forecast.job_requests IS
    'Jobs asked for by the schedule (forecast.enqueue_job: evaluate, monitor, retrain, retention), taken by the worker daemons that take that kind, retried with backoff; one waiting or running per kind and frequency.';

CREATE FUNCTION forecast.enqueue_job(p_kind text, p_frequency text DEFAULT 'day', p_max_attempts integer DEFAULT 3)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    job bigint;
BEGIN
    INSERT INTO forecast.job_requests (kind, frequency, max_attempts) VALUES (p_kind, p_frequency, p_max_attempts)
    ON CONFLICT (kind, frequency) WHERE state IN ('available', 'running') DO NOTHING
    RETURNING id INTO job;
    IF job IS NULL THEN
        SELECT id INTO job FROM forecast.job_requests
        WHERE kind = p_kind AND frequency = p_frequency AND state IN ('available', 'running');
    ELSE
        PERFORM pg_notify('forecast_work', json_build_object('job', job)::text);
    END IF;
    RETURN job;
END $$;
COMMENT ON FUNCTION forecast.enqueue_job(text, text, integer) IS
    'Asks the worker daemons for a job (evaluate, monitor, retrain or retention) of a frequency; idempotent while one waits or runs; returns the job id.';

-- Requeues by hand are recorded like those of the other queues (migration 036).
CREATE TRIGGER job_request_requeued AFTER UPDATE OF state ON forecast.job_requests
    FOR EACH ROW WHEN (NEW.state = 'available' AND OLD.state = 'failed')
    EXECUTE FUNCTION forecast.record_requeue();

CREATE OR REPLACE VIEW forecast.queues AS
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
FROM forecast.retrain_requests GROUP BY state
UNION ALL
SELECT 'job_requests', state, count(*), min(scheduled_at) FILTER (WHERE state = 'available'),
       min(taken_at) FILTER (WHERE state = 'running')
FROM forecast.job_requests GROUP BY state;
COMMENT ON VIEW forecast.queues IS
    'The four queues in one vocabulary (available, running, completed, failed): entries per state, the oldest waiting and the oldest taken.';
