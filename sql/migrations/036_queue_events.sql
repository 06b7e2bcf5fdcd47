-- 036: who put a request back on its queue, when, why, and what its error was. `forecastctl
-- requeue` clears a failed request's error so that the daemon starts clean; before this the cause
-- of the failure was lost with it. A trigger writes the event, so a requeue by hand-written SQL
-- is recorded as well; the function is the owner's (SECURITY DEFINER), so the roles that may
-- requeue (the worker role, whose daemons move requests) cannot write or edit events themselves.
-- The reason and the OS user come from the transaction's settings forecast.reason and
-- forecast.os_user (set by forecastctl); by hand they may be absent, and the event says so. A
-- failed request made available again is always recorded; a running one only with a reason.
CREATE TABLE forecast.queue_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue          text NOT NULL,
    request_id     bigint NOT NULL,
    from_state     text NOT NULL,
    to_state       text NOT NULL,
    previous_error text,
    reason         text NOT NULL,
    db_role        text NOT NULL DEFAULT session_user,
    os_user        text,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT queue_event_queue CHECK (queue IN ('run_requests', 'retrain_requests', 'job_requests'))
);
CREATE INDEX queue_events_by_request ON forecast.queue_events (queue, request_id, at);
COMMENT ON TABLE forecast.queue_events IS
    'Requests put back on their queue (failed, or running with a dead process, to available): who, when, why, and the error they had.';

CREATE FUNCTION forecast.record_requeue() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO forecast.queue_events (queue, request_id, from_state, to_state, previous_error, reason, os_user)
    VALUES (TG_TABLE_NAME, NEW.id, OLD.state, NEW.state, OLD.error,
            coalesce(nullif(btrim(current_setting('forecast.reason', true)), ''), '(no reason given: not requeued by forecastctl)'),
            nullif(current_setting('forecast.os_user', true), ''));
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION forecast.record_requeue() FROM PUBLIC;
-- A running request handed back by its own daemon (stopped, or reconciled after a crash) is the
-- queue's normal life, not a requeue: recorded only when someone says why (`requeue --stuck`).
CREATE FUNCTION forecast.requeue_reason_given() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(btrim(current_setting('forecast.reason', true)), '') <> '' $$;
CREATE TRIGGER run_request_requeued AFTER UPDATE OF state ON forecast.run_requests
    FOR EACH ROW WHEN (NEW.state = 'available' AND (OLD.state = 'failed' OR (OLD.state = 'running' AND forecast.requeue_reason_given())))
    EXECUTE FUNCTION forecast.record_requeue();
CREATE TRIGGER retrain_request_requeued AFTER UPDATE OF state ON forecast.retrain_requests
    FOR EACH ROW WHEN (NEW.state = 'available' AND (OLD.state = 'failed' OR (OLD.state = 'running' AND forecast.requeue_reason_given())))
    EXECUTE FUNCTION forecast.record_requeue();
