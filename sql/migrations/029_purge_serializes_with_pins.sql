-- 029: a run being purged cannot be pinned, and a pinned run is never purged. Before, retention
-- checked its plan, then waited in DETACH ... CONCURRENTLY for readers' snapshots, and set
-- purged_at only after the drop: a `publish --run` in that window pinned a run whose rows were
-- about to go, and forecast.latest served nothing. Now retention claims a run first: in one
-- transaction it locks the run row (FOR UPDATE), checks the plan again and sets
-- purge_started_at; a pin locks the same row (FOR SHARE) and refuses a run whose purge started.
-- Whichever commits first wins; the other sees it.
--   FC006  a pin of a run that was purged or whose purge has started
ALTER TABLE forecast.runs ADD COLUMN purge_started_at timestamptz;
COMMENT ON COLUMN forecast.runs.purge_started_at IS
    'When forecastctl retention claimed this run for purging (after which it cannot be pinned); purged_at follows once its partitions are dropped.';

CREATE OR REPLACE FUNCTION forecast.guard_pin_of_purged_run() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
    purged  timestamptz;
BEGIN
    -- FOR SHARE waits for a retention claim in progress and then reads the row it committed.
    SELECT r.purge_started_at, r.purged_at INTO started, purged FROM forecast.runs r WHERE r.id = NEW.run_id FOR SHARE;
    IF purged IS NOT NULL THEN
        RAISE EXCEPTION 'run % was purged by retention: its forecast rows are gone and it cannot be served', NEW.run_id
            USING ERRCODE = 'FC006';
    END IF;
    IF started IS NOT NULL THEN
        RAISE EXCEPTION 'run % is being purged by retention (since %): it cannot be served', NEW.run_id, started
            USING ERRCODE = 'FC006';
    END IF;
    RETURN NEW;
END $$;
