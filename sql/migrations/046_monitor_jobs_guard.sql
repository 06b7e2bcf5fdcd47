-- 046: only forecast_monitor records monitor passes (sql/roles/create_roles.sql). The worker role
-- still enqueues a monitor job (its nightly runs do), and may cancel, requeue or rescue one as
-- any job; each of those leaves a trace (a cancelled job is failed and counted, a waiting one
-- shows in forecast_job_wait_seconds). What it may not do is stop the pass without a trace: mark
-- a monitor job completed or running, give it a result, push it into the future, or turn it into
-- another kind (SQLSTATE 42501). A session in forecast_monitor, the schema owner and superusers
-- are not limited. The role may not exist yet (a DBA creates it): then only the owner is.
CREATE FUNCTION forecast.guard_monitor_job() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF coalesce(pg_has_role(current_user, to_regrole('forecast_monitor'), 'USAGE'), false)
       OR pg_has_role(current_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'forecast'), 'USAGE') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind = 'monitor' AND (NEW.state <> 'available' OR NEW.result IS NOT NULL
                                     OR NEW.scheduled_at > clock_timestamp() + interval '1 minute') THEN
            RAISE EXCEPTION 'a monitor job is asked for as available and due (forecast.enqueue_job); % ones are the monitor role''s', NEW.state
                USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.kind = 'monitor' AND (
           NEW.kind IS DISTINCT FROM OLD.kind
        OR (NEW.state IN ('completed', 'running') AND NEW.state IS DISTINCT FROM OLD.state)
        OR (NEW.result IS NOT NULL AND NEW.result IS DISTINCT FROM OLD.result)
        OR (NEW.scheduled_at > OLD.scheduled_at AND NEW.scheduled_at > clock_timestamp())) THEN
        RAISE EXCEPTION 'monitor job %: only forecast_monitor (or the owner) takes, completes or postpones a monitor job; cancel or requeue it instead', OLD.id
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER monitor_job_guard BEFORE INSERT OR UPDATE ON forecast.job_requests
    FOR EACH ROW EXECUTE FUNCTION forecast.guard_monitor_job();
