-- 028: the registry's stages change only as the database allows, for every role and every column.
-- Before, an UPDATE of model_stages that kept `stage` skipped every check and wrote no event, so a
-- role with UPDATE (the worker) could point the production row at another version; the worker
-- could also insert audit rows, and demote production to candidate. Now:
--   * a stage row's version and frequency never change, and an UPDATE must change the stage;
--   * a role that is not a member of the forecast schema's owner moves versions only between
--     candidate and shadow (retrain requests); production, archiving and leaving production are
--     the owner's;
--   * the audit trail (model_stage_events) is written by the stage trigger alone, as the schema
--     owner (SECURITY DEFINER): no role inserts, updates or deletes it by hand, not even the owner;
--   * who registered a version, and when, is set by the database, not by the client;
--   * a version's artifacts are added only while it is being registered (before its stage row).
--   FC004  an UPDATE or DELETE of a stage event; an artifact added to a registered version
--   FC005  a stage row's version or frequency changed, an UPDATE that does not change the stage,
--          a stage row whose frequency is not its version's, an audit row written by hand
--   42501  a stage change a role that does not own the schema may not make

CREATE OR REPLACE FUNCTION forecast.record_stage_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    is_owner boolean := pg_has_role(session_user,
        (SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = 'forecast'), 'MEMBER');
    version_frequency text;
BEGIN
    IF btrim(coalesce(NEW.reason, '')) = '' THEN
        RAISE EXCEPTION 'model version %: a stage change needs a reason', NEW.model_version_id USING ERRCODE = 'FC005';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.stage <> 'candidate' THEN
            RAISE EXCEPTION 'model version %: a new version starts as a candidate, not %', NEW.model_version_id, NEW.stage
                USING ERRCODE = 'FC005';
        END IF;
        SELECT v.frequency INTO version_frequency FROM forecast.model_versions v WHERE v.id = NEW.model_version_id;
        IF version_frequency IS DISTINCT FROM NEW.frequency THEN
            RAISE EXCEPTION 'model version %: its stage row says frequency %, the version is %', NEW.model_version_id,
                NEW.frequency, coalesce(version_frequency, 'missing') USING ERRCODE = 'FC005';
        END IF;
        NEW.forced := false;
    ELSE
        IF NEW.model_version_id <> OLD.model_version_id OR NEW.frequency <> OLD.frequency THEN
            RAISE EXCEPTION 'model version %: a stage row keeps its version and frequency (move versions with forecastctl promote)',
                OLD.model_version_id USING ERRCODE = 'FC005';
        END IF;
        IF NEW.stage = OLD.stage THEN
            RAISE EXCEPTION 'model version %: an update of its stage row must change the stage (it is %)', OLD.model_version_id, OLD.stage
                USING ERRCODE = 'FC005';
        END IF;
        -- Roles that do not own the schema (the worker's retrain requests) move versions between
        -- candidate and shadow only.
        IF NOT is_owner AND NOT (OLD.stage IN ('candidate', 'shadow') AND NEW.stage IN ('candidate', 'shadow')) THEN
            RAISE EXCEPTION 'model version %: only the owner of the forecast schema moves a version from % to %',
                NEW.model_version_id, OLD.stage, NEW.stage USING ERRCODE = '42501';
        END IF;
    END IF;
    NEW.changed_at := clock_timestamp();
    NEW.changed_by := session_user;
    INSERT INTO forecast.model_stage_events (model_version_id, frequency, from_stage, to_stage, reason, forced, gate,
                                             db_role, os_user, at)
    VALUES (NEW.model_version_id, NEW.frequency, CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END, NEW.stage, NEW.reason,
            NEW.forced, NEW.gate, session_user, NEW.os_user, NEW.changed_at);
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION forecast.record_stage_event() FROM PUBLIC;

-- The audit trail: rows come from the stage trigger only (trigger depth 2: this trigger fires
-- inside record_stage_event's INSERT); nobody changes or removes them.
CREATE FUNCTION forecast.guard_stage_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF pg_trigger_depth() < 2 THEN
            RAISE EXCEPTION 'forecast.model_stage_events is written by the database when a stage changes, not by hand'
                USING ERRCODE = 'FC005';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the stage audit trail is append-only: % on forecast.model_stage_events refused', TG_OP
        USING ERRCODE = 'FC004';
END $$;
CREATE TRIGGER stage_events_come_from_stage_changes
    BEFORE INSERT OR UPDATE OR DELETE ON forecast.model_stage_events
    FOR EACH ROW EXECUTE FUNCTION forecast.guard_stage_events();
CREATE TRIGGER stage_events_are_not_truncated
    BEFORE TRUNCATE ON forecast.model_stage_events
    FOR EACH STATEMENT EXECUTE FUNCTION forecast.guard_stage_events();

-- Who registered a version and when: the database says, whatever the client sent.
CREATE FUNCTION forecast.stamp_model_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_by := session_user;
    NEW.created_at := clock_timestamp();
    RETURN NEW;
END $$;
CREATE TRIGGER model_versions_are_stamped
    BEFORE INSERT ON forecast.model_versions
    FOR EACH ROW EXECUTE FUNCTION forecast.stamp_model_version();

-- A version's artifacts are stored in the transaction that registers it, before its stage row.
CREATE FUNCTION forecast.refuse_late_artifact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.model_version_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM forecast.model_stages s WHERE s.model_version_id = NEW.model_version_id) THEN
        RAISE EXCEPTION 'model version %: its artifacts were fixed when it was registered; % cannot be added', NEW.model_version_id,
            NEW.model_name USING ERRCODE = 'FC004';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER version_artifacts_come_with_the_version
    BEFORE INSERT ON forecast.model_artifacts
    FOR EACH ROW EXECUTE FUNCTION forecast.refuse_late_artifact();
