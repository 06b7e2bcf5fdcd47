-- 031: a backtest whose process died ends as failed instead of `running` forever.
-- A killed `train` or `backtest` left its row running: retention kept it as in flight and no
-- command cleaned it. A backtest now keeps a heartbeat (every quarter of its lease, from its own
-- connection) and forecast.fail_abandoned_backtests() fails the running backtests whose heartbeat
-- is older than two leases, naming why; it runs before every backtest, before retention plans,
-- and in `forecastctl status`. `forecastctl cancel --backtest ID` fails one by hand. A backtest
-- finishes only while it is still running, so a cancelled or abandoned one never turns finished.
ALTER TABLE forecast.backtests
    ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ADD COLUMN lease_seconds double precision NOT NULL DEFAULT 60,
    ADD CONSTRAINT backtest_lease_is_positive CHECK (lease_seconds > 0 AND lease_seconds < 'Infinity'::float8);
COMMENT ON COLUMN forecast.backtests.heartbeat_at IS
    'Last sign of life of the process running the backtest (every lease_seconds / 4 while running).';
COMMENT ON COLUMN forecast.backtests.lease_seconds IS
    'A running backtest with no heartbeat for two leases is abandoned: fail_abandoned_backtests() fails it.';

CREATE FUNCTION forecast.fail_abandoned_backtests() RETURNS SETOF bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE forecast.backtests
    SET status = 'failed', finished_at = clock_timestamp(),
        error = format('abandoned: no heartbeat since %s (more than two leases of %s s); the process running it stopped',
                       to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), lease_seconds)
    WHERE status = 'running' AND heartbeat_at < clock_timestamp() - 2 * make_interval(secs => lease_seconds)
    RETURNING id
$$;
COMMENT ON FUNCTION forecast.fail_abandoned_backtests() IS
    'Fails the running backtests whose heartbeat is older than two leases; returns their ids.';
REVOKE ALL ON FUNCTION forecast.fail_abandoned_backtests() FROM PUBLIC;
