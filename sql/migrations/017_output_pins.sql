-- 017: rollback of outputs. `forecastctl publish --run ID --reason "..."` pins what
-- forecast.latest (and forecast.freshness) serve for a frequency to an earlier published run,
-- for when the numbers are wrong now and the model question can wait; `--unpin` returns to the
-- newest run. One pin per frequency; every pin and unpin is a row of output_pin_events (who, why).
CREATE TABLE forecast.output_pins (
    frequency  text PRIMARY KEY,
    run_id     bigint NOT NULL REFERENCES forecast.runs (id),
    reason     text NOT NULL,
    pinned_by  text NOT NULL DEFAULT session_user,
    os_user    text,
    pinned_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT output_pin_has_a_reason CHECK (btrim(reason) <> '')
);
COMMENT ON TABLE forecast.output_pins IS
    'Per frequency, the published run forecast.latest serves instead of the newest one (forecastctl publish --run; --unpin deletes the row).';

CREATE TABLE forecast.output_pin_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    frequency  text NOT NULL,
    action     text NOT NULL,
    run_id     bigint REFERENCES forecast.runs (id),
    reason     text NOT NULL,
    db_role    text NOT NULL DEFAULT session_user,
    os_user    text,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT output_pin_action CHECK (action IN ('pin', 'unpin'))
);
COMMENT ON TABLE forecast.output_pin_events IS 'Audit trail of output pins: who pinned or unpinned what, when and why.';

-- Same columns as before plus `pinned` at the end (views keep their grants when replaced).
CREATE OR REPLACE VIEW forecast.served_runs AS
SELECT r.id AS run_id, r.frequency, r.cutoff, r.published_at, true AS pinned
FROM forecast.output_pins p JOIN forecast.runs r ON r.id = p.run_id
UNION ALL
SELECT run_id, frequency, cutoff, published_at, false AS pinned
FROM (SELECT DISTINCT ON (frequency) id AS run_id, frequency, cutoff, published_at
      FROM forecast.runs
      WHERE status = 'published' AND frequency NOT IN (SELECT frequency FROM forecast.output_pins)
      ORDER BY frequency, cutoff DESC, published_at DESC, id DESC) newest;
COMMENT ON VIEW forecast.served_runs IS
    'Per frequency, the run forecast.latest serves: the pinned run (forecast.output_pins) if any, else the newest published cutoff (then the newest publish). forecast.freshness reports the same run.';
