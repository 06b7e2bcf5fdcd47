-- 020: monitoring. Per run, segment and feature a compact profile of the model inputs and
-- predictions (forecast.feature_profiles), the drift of each against a trailing window and the
-- production version's training window (forecast.drift_results), and alerts someone can act on
-- (forecast.alerts): one open alert per rule and scope, updated while the condition lasts,
-- resolved when it clears, announced with NOTIFY forecast_alerts.

CREATE TABLE forecast.feature_profiles (
    run_id       bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    segment_kind text NOT NULL,
    segment      text NOT NULL,
    feature      text NOT NULL,
    series       integer NOT NULL,
    missing      integer NOT NULL,
    zeros        integer NOT NULL,
    mean         double precision,
    sd           double precision,
    quantiles    double precision[],
    CONSTRAINT feature_profiles_pkey PRIMARY KEY (run_id, segment_kind, segment, feature),
    CONSTRAINT profile_segment_kind_is_known CHECK (segment_kind IN ('all', 'category', 'region', 'class'))
);
COMMENT ON TABLE forecast.feature_profiles IS
    'Per run and segment (all, category, region, demand class), each model input and prediction summarised over its series: count, missing and zero counts, mean, sd and 21 quantiles (0, 5%, ..., 100%). Drift is computed from these rows, never from raw history.';

CREATE TABLE forecast.drift_results (
    run_id        bigint NOT NULL REFERENCES forecast.runs (id) ON DELETE CASCADE,
    reference     text NOT NULL,
    segment_kind  text NOT NULL,
    segment       text NOT NULL,
    feature       text NOT NULL,
    psi           double precision NOT NULL,
    warn_at       double precision NOT NULL,
    critical_at   double precision NOT NULL,
    reference_runs integer NOT NULL,
    CONSTRAINT drift_results_pkey PRIMARY KEY (run_id, reference, segment_kind, segment, feature),
    CONSTRAINT drift_reference_is_known CHECK (reference IN ('trailing', 'training'))
);
COMMENT ON TABLE forecast.drift_results IS
    'PSI of each feature per segment of a run against the trailing runs (reference trailing) and against the runs of the production version''s training window (reference training), with the thresholds in force.';

CREATE TABLE forecast.alerts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule          text NOT NULL,
    kind          text NOT NULL,
    tier          text NOT NULL,
    frequency     text NOT NULL,
    scope         text NOT NULL,
    value         double precision,
    threshold     double precision,
    message       text NOT NULL,
    runbook       text NOT NULL,
    status        text NOT NULL DEFAULT 'open',
    occurrences   integer NOT NULL DEFAULT 1,
    first_seen    timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen     timestamptz NOT NULL DEFAULT clock_timestamp(),
    first_run_id  bigint REFERENCES forecast.runs (id) ON DELETE SET NULL,
    last_run_id   bigint REFERENCES forecast.runs (id) ON DELETE SET NULL,
    resolved_at   timestamptz,
    CONSTRAINT alert_kind_is_known CHECK (kind IN ('quality', 'drift', 'accuracy')),
    CONSTRAINT alert_tier_is_known CHECK (tier IN ('info', 'warn', 'critical')),
    CONSTRAINT alert_status_is_known CHECK (status IN ('open', 'resolved'))
);
CREATE UNIQUE INDEX one_open_alert_per_rule_and_scope ON forecast.alerts (rule, frequency, scope) WHERE status = 'open';
COMMENT ON TABLE forecast.alerts IS
    'Alerts: tier info (dashboard), warn (someone looks today), critical (page: data-quality failures, drift that blocks decisions). One open alert per rule, frequency and scope, updated (last_seen, occurrences, value) while the condition lasts and resolved when it clears. runbook = the section of ops/RUNBOOK.md to open.';

CREATE VIEW forecast.open_alerts AS
SELECT id, tier, kind, rule, frequency, scope, value, threshold, message, runbook, occurrences, first_seen, last_seen, last_run_id
FROM forecast.alerts WHERE status = 'open'
ORDER BY array_position(ARRAY['critical', 'warn', 'info'], tier), first_seen;
COMMENT ON VIEW forecast.open_alerts IS 'Open alerts, most severe first.';

-- Every change of an alert (opened, escalated or de-escalated, resolved) is announced on the
-- channel forecast_alerts with a JSON payload: {"event", "id", "tier", "rule", "frequency", "scope", "value"}.
CREATE FUNCTION forecast.notify_alert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    event text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        event := 'opened';
    ELSIF NEW.status = 'resolved' AND OLD.status = 'open' THEN
        event := 'resolved';
    ELSIF NEW.tier <> OLD.tier THEN
        event := 'tier_changed';
    ELSE
        RETURN NEW;
    END IF;
    PERFORM pg_notify('forecast_alerts', json_build_object('event', event, 'id', NEW.id, 'tier', NEW.tier, 'rule', NEW.rule,
                                                         'frequency', NEW.frequency, 'scope', NEW.scope, 'value', NEW.value)::text);
    RETURN NEW;
END $$;
CREATE TRIGGER alerts_are_announced
    AFTER INSERT OR UPDATE ON forecast.alerts
    FOR EACH ROW EXECUTE FUNCTION forecast.notify_alert();

-- Retraining is an event: a request with its reason, raised by monitor passes (schedule, sustained
-- drift, accuracy) and de-duplicated like alerts; `forecastctl retrain` works them.
CREATE TABLE forecast.retrain_requests (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    frequency            text NOT NULL,
    rule                 text NOT NULL,
    reason               text NOT NULL,
    status               text NOT NULL DEFAULT 'open',
    occurrences          integer NOT NULL DEFAULT 1,
    requested_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen            timestamptz NOT NULL DEFAULT clock_timestamp(),
    first_run_id         bigint REFERENCES forecast.runs (id) ON DELETE SET NULL,
    last_run_id          bigint REFERENCES forecast.runs (id) ON DELETE SET NULL,
    started_at           timestamptz,
    finished_at          timestamptz,
    candidate_version_id bigint REFERENCES forecast.model_versions (id),
    error                text,
    CONSTRAINT retrain_rule_is_known CHECK (rule IN ('schedule', 'drift', 'accuracy')),
    CONSTRAINT retrain_status_is_known CHECK (status IN ('open', 'training', 'done', 'failed'))
);
CREATE UNIQUE INDEX one_pending_retrain_per_rule ON forecast.retrain_requests (frequency, rule) WHERE status IN ('open', 'training');
COMMENT ON TABLE forecast.retrain_requests IS
    'Retrain requests: rule schedule (the production version is older than the cadence), drift (critical drift of an important feature in consecutive runs) or accuracy (worse than the baseline or the version''s backtest over 4 weeks). One pending request per frequency and rule; forecastctl retrain trains a candidate and puts it in shadow when its gate passes.';
