-- 003: canonical forecast rows and the views BI and ERP read.
CREATE TABLE forecast.forecasts (
    item_id        text COLLATE "C" NOT NULL,
    location_id    text COLLATE "C" NOT NULL,
    ds             date NOT NULL,
    horizon        integer NOT NULL,
    yhat           double precision NOT NULL,
    yhat_lower     double precision NOT NULL,
    yhat_upper     double precision NOT NULL,
    interval_level double precision NOT NULL,
    model_name     text NOT NULL,
    model_version  text NOT NULL,
    run_id         bigint NOT NULL,
    cutoff         date NOT NULL,
    generated_at   timestamptz NOT NULL,
    CONSTRAINT forecasts_pkey PRIMARY KEY (run_id, item_id, location_id, ds),
    CONSTRAINT horizon_is_positive CHECK (horizon > 0)
);
-- No foreign key to runs: rows arrive by binary COPY in bulk and the worker writes them in the
-- same transaction that completes their work item of an existing run. Output checks (count,
-- finite, yhat >= 0, lower <= yhat <= upper) run before a run is published.
COMMENT ON TABLE forecast.forecasts IS 'Canonical forecast rows of every run. Read forecast.latest, not this table: rows of unpublished runs are here too.';
COMMENT ON COLUMN forecast.forecasts.model_name IS 'The model that served this series (a fallback is named as such).';
COMMENT ON COLUMN forecast.forecasts.interval_level IS 'Nominal coverage of [yhat_lower, yhat_upper], e.g. 0.8.';

-- The current forecast: rows of the published run with the newest cutoff of each frequency. Switches atomically
-- when a run is published (one UPDATE of forecast.runs).
CREATE VIEW forecast.latest AS
SELECT f.item_id, f.location_id, f.ds, f.horizon, f.yhat, f.yhat_lower, f.yhat_upper,
       f.interval_level, f.model_name, f.model_version, f.run_id, f.cutoff, f.generated_at,
       r.frequency
FROM forecast.forecasts f
JOIN (SELECT DISTINCT ON (frequency) id, frequency
      FROM forecast.runs
      WHERE status = 'published'
      ORDER BY frequency, cutoff DESC, published_at DESC, id DESC) r ON r.id = f.run_id;
COMMENT ON VIEW forecast.latest IS 'Per item x location x ds, the rows of the published run with the newest cutoff (per frequency). Never shows a half-written run.';

-- Freshness SLA per frequency, for DBAs and monitoring.
CREATE TABLE forecast.freshness_sla (
    frequency text PRIMARY KEY,
    max_age   interval NOT NULL,
    CONSTRAINT sla_frequency_is_day_or_week CHECK (frequency IN ('day', 'week')),
    CONSTRAINT max_age_is_positive CHECK (max_age > interval '0')
);
-- Daily forecasts are expected every night; add ('week', interval '8 days') if you run weekly ones.
INSERT INTO forecast.freshness_sla (frequency, max_age) VALUES ('day', interval '26 hours');

CREATE VIEW forecast.freshness AS
SELECT s.frequency,
       r.id AS run_id,
       r.cutoff,
       r.published_at,
       clock_timestamp() - r.published_at AS age,
       s.max_age,
       (r.published_at IS NULL OR clock_timestamp() - r.published_at > s.max_age) AS is_stale
FROM forecast.freshness_sla s
LEFT JOIN LATERAL (
    SELECT id, cutoff, published_at FROM forecast.runs
    WHERE status = 'published' AND frequency = s.frequency
    ORDER BY published_at DESC, id DESC LIMIT 1) r ON true;
COMMENT ON VIEW forecast.freshness IS 'Age of the newest published forecast per frequency against its SLA; is_stale = page someone.';

-- Run overview for humans.
CREATE VIEW forecast.run_summary AS
SELECT r.id, r.cutoff, r.as_of, r.frequency, r.horizon, r.status, r.series_count, r.row_count,
       r.warning_count, r.created_at, r.published_at, r.finished_at - r.started_at AS duration, r.error,
       (SELECT count(*) FROM forecast.work_items w WHERE w.run_id = r.id AND w.state = 'completed') AS items_completed,
       r.work_item_count AS items_total
FROM forecast.runs r;
