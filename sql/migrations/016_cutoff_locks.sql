-- 016: the lock that serialises creating or joining the run of a cutoff is a row lock on this
-- table instead of an advisory lock: any session can take any advisory lock (and stall runs),
-- but only roles with UPDATE on this table (the owner and forecast_worker, sql/roles/grants.sql)
-- can lock its rows. Rows are created on first use; a lock lasts one short transaction.
CREATE TABLE forecast.cutoff_locks (
    frequency text NOT NULL,
    cutoff    date NOT NULL,
    CONSTRAINT cutoff_locks_pkey PRIMARY KEY (frequency, cutoff)
);
COMMENT ON TABLE forecast.cutoff_locks IS
    'One row per (frequency, cutoff) ever run; `run` locks it (SELECT ... FOR UPDATE) while it creates or joins the cutoff''s run.';
