"""The drill cluster and the trial bookkeeping of make faults (see faults.py)."""
import collections
import os
import random
import subprocess
import sys
import time

BIN = os.path.abspath(sys.argv[1])
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG = [os.path.join(ROOT, "ops/scripts/pg-local.sh")]
# Durable (fsync and synchronous commit on), as production: a crash must not lose what committed.
ENV = dict(os.environ, PG_LOCAL_DIR="/tmp/forecast-faults", PG_LOCAL_PORT="54391", PG_LOCAL_DURABLE="1")
RUN = ["run", "--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--horizon", "14", "--chunk-size", "8",
       "--lease-seconds", "3", "--heartbeat-seconds", "1", "--no-progress"]
# Work slowed for the drills: the drill binary beside forecastctl holds each item 250 ms (WorkerSeam).
DRILL = os.path.join(os.path.dirname(BIN), "forecastctl-drill")
SLOW_ENV = dict(ENV, FORECAST_DRILL_HOLD_MS="250")
random.seed(int(os.environ.get("FAULTS_SEED", "8")))


def sh(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=ENV, **kw)


sh(PG + ["destroy"])  # a clean cluster every time
ADMIN = sh(PG + ["start"]).stdout.strip()
URL = ADMIN.rsplit("/", 1)[0] + "/faults"


def psql(sql, url=None):
    r = sh(["psql", url or URL, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
    if r.returncode != 0:
        raise RuntimeError(f"psql: {r.stderr.strip()}")
    return r.stdout.strip()


def ctl(args, url=None, timeout=180):
    return sh([BIN] + args + ["--database-url", url or URL], timeout=timeout)


def start(args, url=None, slow=False):
    return subprocess.Popen([DRILL if slow else BIN] + args + ["--database-url", url or URL], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=SLOW_ENV if slow else ENV)


def wait_until(what, check, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if check():
                return True
        except RuntimeError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


FINGERPRINT = """SELECT count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', item_id, location_id, ds, yhat, yhat_lower, yhat_upper),
                 ',' ORDER BY item_id, location_id, ds)), '-') FROM forecast.latest"""


def phase():
    try:
        row = psql("""SELECT coalesce((SELECT status FROM forecast.runs ORDER BY id DESC LIMIT 1), '-') || ' ' ||
                             (SELECT count(*) FILTER (WHERE state = 'completed') || '/' || count(*) FROM forecast.work_items
                              WHERE run_id = (SELECT max(id) FROM forecast.runs))""")
    except RuntimeError:
        return "unreachable"
    status, done = row.split(" ")
    n, total = done.split("/")
    if status == "queued" or total == "0":
        return "planning"
    if status == "running":
        return "publishing" if n == total else f"computing {n}/{total}"
    return status


def verify(reference):
    """(correct, lost, duplicated) for what the cutoff serves now."""
    got = psql(FINGERPRINT)
    count = int(got.split(" ")[0])
    served = psql("SELECT coalesce(max(run_id), 0) FROM forecast.latest")
    dup = int(psql(f"""SELECT count(*) - count(DISTINCT (item_id, location_id, ds)) FROM forecast.forecasts
                       WHERE run_id = {served}""")) if served != "0" else 0
    newest = psql("SELECT status FROM forecast.runs ORDER BY id DESC LIMIT 1")
    lost = max(0, int(reference.split(" ")[0]) - count)
    return got == reference and dup == 0 and newest == "published", lost, dup


def recover():
    """What an operator does after a fault: run the cutoff again (which joins or finishes a run in
    flight); force a new run only when the newest one failed."""
    for _ in range(3):
        status = psql("SELECT status FROM forecast.runs ORDER BY id DESC LIMIT 1")
        if status == "published":
            return
        ctl(RUN + (["--force"] if status == "failed" else []))


def server_started():
    """The server's start time: a restart that happened changes it."""
    return psql("SELECT pg_postmaster_start_time()")


STATE = {"reference": None}
Result = collections.namedtuple("Result", "fault tried hit correct lost dup codes phases")
results = []


def trial_loop(fault, n, one):
    """Runs `one` n times. `one` returns (exit code, phase, hit): hit is the proof that the fault
    happened (the server restarted, the process was alive when signalled, the error was raised).
    A trial whose fault did not happen is not exercised: it never counts as correct, and the
    drill fails (a table that says "1 tried, 1 correct" for a fault that never hit proves nothing)."""
    correct = lost = dup = hit = 0
    codes, phases = collections.Counter(), collections.Counter()
    for _ in range(n):
        # A random moment that fell after the run ended injected nothing (happened is None): drawn
        # again, at most 5 times; then the trial counts as not exercised.
        for _ in range(5):
            code, where, happened = one()
            if happened is not None:
                break
            recover()
            STATE["redrawn"] = STATE.get("redrawn", 0) + 1
        codes[code] += 1
        phases[where if happened else f"{where}, NOT HIT"] += 1
        wait_until("the server", lambda: psql("SELECT 1") == "1")
        recover()
        ok, l, d = verify(STATE["reference"])
        hit += bool(happened)
        correct += bool(ok and happened)
        lost += l
        dup += d
    results.append(Result(fault, n, hit, correct, lost, dup, codes, phases))
    print(f"faults: {fault}: {hit}/{n} hit, {correct}/{n} correct", file=sys.stderr, flush=True)
