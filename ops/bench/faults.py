"""make faults: the worker under faults, on a throwaway cluster of its own; prints the fault table.

Server restarts are injected both at random moments and inside the exact transaction that claims
a work item, completes one (while its rows are written) or publishes the run: test-only triggers
in the drill's database sleep there while public.faults_pause names the phase.

Usage: faults.py path/to/forecastctl [trials-per-kill-fault]

Every trial starts a forced run of one cutoff (a demo catalogue, work items slowed by
the drill binary, forecastctl-drill, so that faults land while work is in flight, short leases), injects one
fault at a random moment, waits for the process, and then does what an operator would: a plain
`run` of the cutoff (which joins or finishes the run in flight), and `run --force` only if the
run had failed. A trial "completed correctly" when the cutoff's served run then has exactly the
rows of a clean reference run (same count, same values: md5 over keys and numbers) and no key
twice, and its fault is proven to have happened ("hit": the server's start time changed, the
process was alive when signalled and died of it, the timeout or disk-full error was recorded);
a trial whose fault did not happen is not correct, and any such trial fails the drill. "rows lost" counts reference rows missing from what `forecast.latest` serves; "rows
duplicated" counts repeated keys in the served run. Exit codes are those of the faulted process.
The phase column says where the faults landed (planning, computing k/n items, publishing, done).
The cluster runs under /tmp/forecast-faults on port 54391, durable (fsync and synchronous commit
on, unlike the fast throwaway cluster of the tests), and is destroyed at the end.
"""
import collections
import os
import random
import signal
import socket
import subprocess
import sys
import time

from faults_cluster import (ADMIN, BIN, FINGERPRINT, KILLS, PG, RUN, STATE, URL, Result, ctl, phase, psql,
                            results, server_started, sh, start, trial_loop, wait_until)


def inject_during_run(action, proof):
    """`action(p)` injects the fault into run process p; `proof(p, before)` says whether it
    happened (before: the server's start time before the action)."""
    def one():
        p = start(RUN + ["--force"], slow=True)
        time.sleep(random.uniform(0.3, 4.5))
        where = phase()
        if p.poll() is not None or where in ("published", "superseded"):
            # The moment fell after the run: nothing to inject; the trial is drawn again.
            p.communicate()
            return p.returncode, where, None
        alive = True
        before = server_started()
        action(p)
        try:
            _, _ = p.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        # A fault after the run ended exercised nothing.
        return p.returncode, where, alive and where not in ("published", "superseded") and proof(p, before)
    return one


def restarted(_p, before):
    wait_until("the server", lambda: psql("SELECT 1") == "1")
    return server_started() != before


def killed_by(sig):
    # SIGKILL cannot be handled (returncode -9); SIGTERM is handled: exit 143 after handing back.
    return lambda p, _before: p.returncode in ((-sig,) if sig == signal.SIGKILL else (-sig, 128 + sig))


def kill_worker(sig):
    def one():
        p = start(RUN + ["--force", "--workers", "1"], slow=True)
        wait_until("the run to start", lambda: psql("SELECT count(*) FROM forecast.runs WHERE status = 'running'") == "1")
        run_id = psql("SELECT max(id) FROM forecast.runs")
        w = start(["work", "--run", run_id, "--workers", "1"], slow=True)
        time.sleep(random.uniform(0.2, 3.0))
        where = phase()
        if w.poll() is not None or where in ("published", "superseded"):
            w.communicate(timeout=60)
            p.communicate(timeout=180)
            return w.returncode, where, None  # the moment fell after the work: drawn again
        alive = True
        w.send_signal(sig)
        w.communicate(timeout=60)
        p.communicate(timeout=180)
        hit = alive and w.returncode in ((-sig,) if sig == signal.SIGKILL else (-sig, 128 + sig))
        return w.returncode, where, hit
    return one


def main():
    psql("DROP DATABASE IF EXISTS faults WITH (FORCE)", ADMIN)
    psql("CREATE DATABASE faults", ADMIN)
    assert ctl(["migrate"]).returncode == 0
    assert ctl(["demo-data", "--items", "40", "--locations", "4", "--days", "200", "--end", "2026-11-27", "--seed", "3"]).returncode == 0
    r = ctl(RUN)
    assert r.returncode == 0, r.stderr
    STATE["reference"] = psql(FINGERPRINT)
    print(f"faults: reference run: {STATE['reference'].split(' ')[0]} rows", file=sys.stderr)

    # Pause points for restarts at exact moments: a trigger sleeps inside the transaction that
    # claims a work item, completes one (its rows are being written), or publishes the run, while
    # public.faults_pause names that phase (this database only; the triggers are test fixtures).
    psql("""
        CREATE TABLE public.faults_pause (phase text PRIMARY KEY, seconds float8 NOT NULL);
        GRANT SELECT ON public.faults_pause TO PUBLIC;  -- the worker role's claims fire the triggers too
        CREATE FUNCTION public.faults_sleep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_sleep(p.seconds) FROM public.faults_pause p WHERE p.phase = TG_ARGV[0];
            RETURN NEW;
        END $$;
        CREATE TRIGGER faults_claim BEFORE UPDATE ON forecast.work_items FOR EACH ROW
            WHEN (NEW.state = 'running' AND OLD.state <> 'running') EXECUTE FUNCTION public.faults_sleep('claim');
        CREATE TRIGGER faults_commit BEFORE UPDATE ON forecast.work_items FOR EACH ROW
            WHEN (NEW.state = 'completed' AND OLD.state <> 'completed') EXECUTE FUNCTION public.faults_sleep('commit');
        CREATE TRIGGER faults_publish BEFORE UPDATE ON forecast.runs FOR EACH ROW
            WHEN (NEW.status = 'published' AND OLD.status <> 'published') EXECUTE FUNCTION public.faults_sleep('publish');
        """)

    def restart_in(phase, mode):
        def one():
            psql(f"INSERT INTO public.faults_pause VALUES ('{phase}', 2)")
            p = start(RUN + ["--force"])
            wait_until(f"a backend paused in {phase}", lambda: psql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = 'faults'") != "0", timeout=90)
            before = server_started()
            sh(PG + ["restart", mode])
            wait_until("the server", lambda: psql("SELECT 1") == "1")
            hit = server_started() != before
            psql("DELETE FROM public.faults_pause")
            try:
                p.communicate(timeout=180)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
            return p.returncode, phase, hit
        return one

    for phase in ("claim", "commit", "publish"):
        for mode in ("fast", "immediate"):
            trial_loop(f"server restart -m {mode} during a {phase} transaction", 2, restart_in(phase, mode))

    restart = lambda mode: (lambda p: sh(PG + ["restart", mode]))
    trial_loop("server restart -m fast during a run", KILLS, inject_during_run(restart("fast"), restarted))
    trial_loop("server restart -m immediate during a run", KILLS, inject_during_run(restart("immediate"), restarted))
    trial_loop("SIGKILL of run", KILLS, inject_during_run(lambda p: p.send_signal(signal.SIGKILL), killed_by(signal.SIGKILL)))
    trial_loop("SIGTERM of run", KILLS, inject_during_run(lambda p: p.send_signal(signal.SIGTERM), killed_by(signal.SIGTERM)))
    trial_loop("SIGKILL of a work process", KILLS, kill_worker(signal.SIGKILL))
    trial_loop("SIGTERM of a work process", KILLS, kill_worker(signal.SIGTERM))

    # Writes blocked by a lock for 4 s; write statements time out after 1 s and are retried.
    # The lock is taken once the run's partition exists and its items are in work (taken before,
    # it only delayed the planner's ATTACH PARTITION, and no write ever waited).
    def lock_timeout():
        p = start(RUN + ["--force", "--statement-timeouts", "write=1", "--max-attempts", "8"], slow=True)
        wait_until("items in work", lambda: psql("""SELECT count(*) FROM forecast.work_items
            WHERE run_id = (SELECT max(id) FROM forecast.runs) AND state = 'running'""") != "0", timeout=90)
        blocker = subprocess.Popen(["psql", URL, "-Xq", "-c", "BEGIN; LOCK TABLE forecast.forecasts IN SHARE MODE; SELECT pg_sleep(4); COMMIT;"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        blocker.wait()
        p.communicate(timeout=180)
        r = p
        # Hit: a write of this run timed out (57014) and was retried.
        hit = psql("""SELECT count(*) FROM forecast.work_items WHERE run_id = (SELECT max(id) FROM forecast.runs)
                      AND errors::text LIKE '%57014%'""") != "0"
        return r.returncode, "computing", hit
    trial_loop("statement timeouts (writes held by a lock 4 s, write=1 s)", 2, lock_timeout)

    # A login role limited to 3 connections asks for 8 workers.
    psql("DROP ROLE IF EXISTS faults_limited")
    psql("CREATE ROLE faults_limited LOGIN CONNECTION LIMIT 3 IN ROLE forecast_worker")
    limited = URL.replace("postgres@", "faults_limited@")
    def exhaustion():
        r = ctl(RUN + ["--force", "--workers", "8"], url=limited)
        hit = "worker" in r.stderr
        if not hit:
            print(f"faults: connection exhaustion did not report its workers: {r.stderr.strip()}", file=sys.stderr)
        return r.returncode, "planning", hit
    trial_loop("connection exhaustion (limit 3, --workers 8)", 2, exhaustion)

    # Two runs of the cutoff at once (the second joins), and a different run while one is in flight.
    def concurrent():
        a = start(RUN + ["--force"], slow=True)
        wait_until("the run to start", lambda: psql("SELECT count(*) FROM forecast.runs WHERE status = 'running'") == "1")
        c = ctl(RUN[:RUN.index("14")] + ["7"] + RUN[RUN.index("14") + 1:] + ["--force"])
        b = ctl(RUN)
        a.communicate(timeout=180)
        # Hit: the plain run joined the run in flight and the different --force was refused (75).
        hit = "joined a run in flight" in b.stdout and c.returncode == 75
        return f"{a.returncode},{b.returncode},{c.returncode}", "computing", hit
    trial_loop("concurrent runs (join; a different --force refused)", 2, concurrent)

    # Disk full: the run's new relations on a 128 kB tmpfs tablespace (a run writes about 300 kB).
    tiny = "/tmp/forecast-faults-tiny"
    os.makedirs(tiny, exist_ok=True)
    size_kb = 128
    mounted = sh(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", tiny]).returncode == 0
    if mounted:
        sh(["chown", "postgres:postgres", tiny])
        psql(f"CREATE TABLESPACE faults_tiny LOCATION '{tiny}'", ADMIN)
        # A run's forecast rows go to a partition it creates: new relations of this database go
        # to the tiny tablespace (setting the partitioned parent's tablespace reached no partition,
        # and the trial never hit 53100).
        def disk_full():
            psql("ALTER DATABASE faults SET default_tablespace = faults_tiny", ADMIN)
            r = ctl(RUN + ["--force", "--max-attempts", "2"])
            psql("ALTER DATABASE faults RESET default_tablespace", ADMIN)
            # Hit: 53100 raised, wherever the run was (planning writes its series list, items their rows).
            hit = "53100" in r.stderr or "53100" in psql("""SELECT coalesce(string_agg(errors::text, ' '), '') FROM forecast.work_items
                                                            WHERE run_id = (SELECT max(id) FROM forecast.runs)""")
            if not hit:
                print(f"faults: disk full did not hit 53100 (not exercised): {r.stderr.strip()}", file=sys.stderr)
            return r.returncode, "computing", hit
        trial_loop("disk full (a run's new partitions on a full tablespace; 53100)", 1, disk_full)
        # What the failed run created there moves back before the tablespace goes.
        psql("ALTER TABLE ALL IN TABLESPACE faults_tiny SET TABLESPACE pg_default")
        psql("ALTER INDEX ALL IN TABLESPACE faults_tiny SET TABLESPACE pg_default")
        psql("DROP TABLESPACE faults_tiny", ADMIN)
        sh(["umount", tiny])
    else:
        # Not exercised, and the table says so: a drill that skips a fault does not pass.
        print("faults: disk full not run (cannot mount a tmpfs here)", file=sys.stderr)
        results.append(Result("disk full (no tmpfs could be mounted: NOT EXERCISED)", 1, 0, 0, 0, 0,
                              collections.Counter(["-"]), collections.Counter(["-"])))

    # A server that accepts connections and never answers.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    t0 = time.time()
    r = sh([BIN, "status", "--database-url", f"postgresql://x@127.0.0.1:{port}/x"], timeout=120)
    results.append(Result(f"unresponsive server (status gave up after {time.time() - t0:.0f} s)", 1, 1, int(r.returncode == 69),
                          0, 0, collections.Counter([r.returncode]), collections.Counter(["connect"])))
    listener.close()

    print(f"\n{'fault':62} {'tried':>5} {'hit':>4} {'correct':>7} {'lost':>5} {'dup':>4}  exit codes     phases hit")
    for x in results:
        codes = " ".join(f"{k}x{v}" for k, v in sorted(x.codes.items(), key=lambda kv: str(kv[0])))
        phases = ", ".join(f"{k} ({v})" for k, v in sorted(x.phases.items()))
        print(f"{x.fault:62} {x.tried:5} {x.hit:4} {x.correct:7} {x.lost:5} {x.dup:4}  {codes:14} {phases}")
    total = sum(x.tried for x in results)
    ok = sum(x.correct for x in results)
    missed = total - sum(x.hit for x in results)
    print(f"faults_correct={ok}/{total} faults_not_exercised={missed} "
          f"moments_redrawn={STATE.get('redrawn', 0)} (random moments that fell after the run: drawn again)")
    if ok < total:
        print(f"faults: FAILED: {total - ok} trial(s) not correct, {missed} of them not exercised (the fault did not happen)",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        sh(["umount", "/tmp/forecast-faults-tiny"])
        sh(PG + ["destroy"])
