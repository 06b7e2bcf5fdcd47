-- 022: the schedule lives in the database. forecast.enqueue_run(cutoff, frequency, horizon) asks
-- for a run, idempotently per frequency and cutoff (a scheduler firing twice enqueues one run);
-- `forecastctl worker` daemons LISTEN on forecast_work, take the request, plan and run it, and
-- join every running run that has work left. pg_cron (or cron) calls the function:
--   SELECT cron.schedule('forecast-daily', '30 2 * * *', $$SELECT forecast.enqueue_run(current_date - 1)$$);
CREATE TABLE forecast.run_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    frequency    text NOT NULL,
    cutoff       date NOT NULL,
    horizon      integer,
    status       text NOT NULL DEFAULT 'pending',
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    requested_by text NOT NULL DEFAULT session_user,
    taken_by     text,
    taken_at     timestamptz,
    run_id       bigint REFERENCES forecast.runs (id) ON DELETE SET NULL,
    finished_at  timestamptz,
    error        text,
    CONSTRAINT one_request_per_cutoff UNIQUE (frequency, cutoff),
    CONSTRAINT request_frequency_is_known CHECK (frequency IN ('day', 'week')),
    CONSTRAINT request_status_is_known CHECK (status IN ('pending', 'taken', 'done', 'failed')),
    CONSTRAINT request_horizon_is_positive CHECK (horizon IS NULL OR horizon > 0)
);
COMMENT ON TABLE forecast.run_requests IS
    'Runs asked for by the schedule (forecast.enqueue_run): one per frequency and cutoff; worker daemons take them (status taken, taken_by) and record the run.';

CREATE FUNCTION forecast.enqueue_run(p_cutoff date, p_frequency text DEFAULT 'day', p_horizon integer DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    request bigint;
BEGIN
    INSERT INTO forecast.run_requests (frequency, cutoff, horizon) VALUES (p_frequency, p_cutoff, p_horizon)
    ON CONFLICT ON CONSTRAINT one_request_per_cutoff DO NOTHING
    RETURNING id INTO request;
    IF request IS NULL THEN
        SELECT id INTO request FROM forecast.run_requests WHERE frequency = p_frequency AND cutoff = p_cutoff;
    ELSE
        PERFORM pg_notify('forecast_work', json_build_object('request', request)::text);
    END IF;
    RETURN request;
END $$;
COMMENT ON FUNCTION forecast.enqueue_run(date, text, integer) IS
    'Asks the worker daemons for the run of a cutoff (horizon NULL: the production version''s); idempotent per frequency and cutoff; returns the request id.';

-- A run that starts (its work items are available) wakes the idle daemons.
CREATE FUNCTION forecast.notify_run_started() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('forecast_work', json_build_object('run', NEW.id)::text);
    RETURN NEW;
END $$;
CREATE TRIGGER run_start_wakes_workers
    AFTER UPDATE OF status ON forecast.runs
    FOR EACH ROW WHEN (NEW.status = 'running' AND OLD.status IS DISTINCT FROM 'running')
    EXECUTE FUNCTION forecast.notify_run_started();
