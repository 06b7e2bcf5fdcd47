-- 012: the database, not convention, keeps published output immutable and runs on their lifecycle.
-- Before, the worker role could INSERT rows into a published run (they appeared in forecast.latest)
-- and UPDATE a run to 'published' with no rows (latest went empty).
--   FC001  a status change that is not a lifecycle transition
--          (queued -> running | failed, running -> published | failed, published -> superseded)
--   FC002  'published' while some work item of the run is not completed (or it has none)
--   FC003  forecast rows inserted into a run that is not running
-- The runbook lists these codes.
CREATE FUNCTION forecast.guard_run_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF NOT ((OLD.status = 'queued' AND NEW.status IN ('running', 'failed'))
         OR (OLD.status = 'running' AND NEW.status IN ('published', 'failed'))
         OR (OLD.status = 'published' AND NEW.status = 'superseded')) THEN
        RAISE EXCEPTION 'run %: % -> % is not a run lifecycle transition', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'FC001';
    END IF;
    IF NEW.status = 'published' AND (
           NOT EXISTS (SELECT 1 FROM forecast.work_items w WHERE w.run_id = NEW.id)
        OR EXISTS (SELECT 1 FROM forecast.work_items w WHERE w.run_id = NEW.id AND w.state <> 'completed')) THEN
        RAISE EXCEPTION 'run % cannot be published: not all of its work items are completed', NEW.id
            USING ERRCODE = 'FC002';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER run_status_follows_lifecycle
    BEFORE UPDATE OF status ON forecast.runs
    FOR EACH ROW EXECUTE FUNCTION forecast.guard_run_status();

-- Statement level over the inserted rows (one check per COPY, not per row).
CREATE FUNCTION forecast.guard_forecast_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    offending bigint;
    offending_status text;
BEGIN
    SELECT r.id, r.status INTO offending, offending_status
    FROM (SELECT DISTINCT run_id FROM inserted) i
    JOIN forecast.runs r ON r.id = i.run_id
    WHERE r.status <> 'running'
    LIMIT 1;
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'run % is %: forecast rows can only be added while a run is running', offending, offending_status
            USING ERRCODE = 'FC003';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER forecast_rows_only_while_running
    AFTER INSERT ON forecast.forecasts
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_forecast_rows();
