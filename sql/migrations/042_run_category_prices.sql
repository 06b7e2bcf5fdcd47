-- 042: the competing items' prices a run prepares for a stored model, as rows. They were one
-- jsonb document per run and model (run_model_inputs.category_prices): at a million series about
-- 280k entries (category x location x target day), which the coordinating daemon wrote as one
-- string and every worker parsed as one document, each a transient of a hundred MiB or more. As
-- rows, the planner copies them in and a worker reads them through a cursor, a batch at a time.
-- Runs prepared before this migration keep their document (category_prices not null) and are
-- read as before; a run prepared now has category_prices null and its rows here.
ALTER TABLE forecast.run_model_inputs ALTER COLUMN category_prices DROP NOT NULL;

CREATE TABLE forecast.run_category_prices (
    run_id           bigint NOT NULL,
    model_version_id bigint NOT NULL,
    model_name       text NOT NULL,
    -- The model's own codes (its encodings): category, location; days since 1970-01-01.
    category         integer NOT NULL,
    location         integer NOT NULL,
    day              integer NOT NULL,
    origin           integer NOT NULL,
    price_sum        double precision NOT NULL,
    price_count      integer NOT NULL CHECK (price_count > 0),
    lowest           double precision,
    lowest_owner     integer NOT NULL,
    second           double precision,
    CONSTRAINT run_category_prices_pkey PRIMARY KEY (run_id, model_version_id, model_name, category, location, day, origin),
    CONSTRAINT run_category_prices_finite CHECK (
        price_sum NOT IN ('NaN', 'Infinity', '-Infinity') AND lowest NOT IN ('NaN', 'Infinity', '-Infinity')
        AND second NOT IN ('NaN', 'Infinity', '-Infinity'))
) PARTITION BY LIST (run_id);
COMMENT ON TABLE forecast.run_category_prices IS
    'Per run and stored global model: the competing items'' planned prices at the run''s cutoff, by category, location (the model''s codes) and target day: their sum and count, the lowest (with its series number) and the second lowest. Written by the planner, read by the workers for the price-against-category features. One partition per run (dropped by retention with the run''s other partitions).';

-- One partition per run, as the run's other rows: retention drops it with them. No foreign key to
-- run_model_inputs (its check per row doubled the planner's copy: 0.7 -> 1.6 s for 112k rows);
-- the trigger below asks for the inputs row instead, once per statement.
CREATE OR REPLACE FUNCTION forecast.run_partitioned_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['forecasts', 'side_forecast_paths', 'series_stats', 'run_series', 'evaluations', 'forecast_quantiles',
                 'run_category_prices']
$$;
SELECT forecast.attach_partition('run_category_prices', id) FROM forecast.runs WHERE purged_at IS NULL;
COMMENT ON COLUMN forecast.runs.purged_at IS 'When forecastctl retention dropped this run''s partitions (forecasts, side forecasts, series stats, run series, evaluations, quantiles, competing prices). The run row stays.';

-- Only the transaction that prepared a run's inputs writes their entries: a role doing SQL by
-- hand cannot add an entry to a run already prepared (a competitor price the planner never saw
-- would change what the run serves), nor entries for inputs that were never prepared. Preparing a
-- run whose inputs row is already there fails the plan (primary key), so entries written
-- beforehand by another hand are never served either.
CREATE FUNCTION forecast.run_category_prices_in_preparing_transaction() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    stranger record;
BEGIN
    SELECT n.run_id, n.model_name INTO stranger
    FROM (SELECT DISTINCT run_id, model_version_id, model_name FROM inserted) n
    LEFT JOIN forecast.run_model_inputs i USING (run_id, model_version_id, model_name)
    WHERE i.run_id IS NULL OR i.xmin <> pg_current_xact_id()::xid
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'run % model %: competing prices are written only by the transaction that prepares the run''s inputs',
            stranger.run_id, stranger.model_name
            USING ERRCODE = '42501', TABLE = 'run_category_prices';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER run_category_prices_written_while_preparing
    AFTER INSERT ON forecast.run_category_prices
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION forecast.run_category_prices_in_preparing_transaction();
