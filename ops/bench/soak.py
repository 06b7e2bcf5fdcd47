#!/usr/bin/env python3
"""make soak: many compressed nights across two worker hosts, a random fault each night.

Two "hosts" are network namespaces on this machine, each with its own veth link and address and a
worker daemon of its own; both reach one durable PostgreSQL (fsync and synchronous commit on) that
listens on the host side of both links. A supervisor restarts a daemon that died, as systemd does
(`Restart=always`). Each night enqueues the next cutoff by SQL (as pg_cron does) and injects one
fault at a random moment while the night's work is in flight:

- a worker host killed (SIGKILL of its daemon, restarted 2 s later);
- a worker host cut off from the database (its link down for 8 s, twice the lease);
- packets dropped (a third of the host's outgoing packets, nftables in its namespace, for 8 s);
- the server restarted (`pg_ctl restart -m fast`);
- the server stalled for 6 s (SIGSTOP then SIGCONT of every server process: a disk that stops
  answering; this VM has no block-device throttling);
- connections exhausted for 6 s (idle sessions take every free connection slot).

Every night is then checked: published by its deadline; exactly the rows of a reference run of the
same cutoff made beforehand without faults in a database of its own (count and md5 over keys and
numbers); no key twice; nothing lost; no work item left running or failed (leases recovered), and
the fault proven to have happened. Prints the fault table and ends with soak_correct=<k>/<n>.

Usage: soak.py path/to/forecastctl [nights]   (as root: namespaces, links and nftables)
SOAK_SEED picks the faults and moments (default 32); SOAK_ONLY=<part of a fault's name> draws only
the faults whose name contains it; SOAK_KEEP=1 keeps the cluster (/tmp/forecast-soak).
"""
import collections
import datetime
import os
import random
import signal
import subprocess
import sys
import threading
import time

BIN = os.path.abspath(sys.argv[1])
NIGHTS = int(sys.argv[2]) if len(sys.argv) > 2 else 50
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG = [os.path.join(ROOT, "ops/scripts/pg-local.sh")]
DRILL = os.path.join(os.path.dirname(BIN), "forecastctl-drill")
PGBENCH = next((p for p in ["/usr/lib/postgresql/15/bin/pgbench", "/usr/bin/pgbench"] if os.path.exists(p)), "pgbench")
HOSTS = [dict(ns=f"fcsoakh{i}", link=f"fcsoakv{i}", addr=f"10.232.{i}.2", server=f"10.232.{i}.1") for i in (1, 2)]
ENV = dict(os.environ, PG_LOCAL_DIR="/tmp/forecast-soak", PG_LOCAL_PORT="30950", PG_LOCAL_DURABLE="1",
           PG_LOCAL_LISTEN=",".join(h["server"] for h in HOSTS), PG_LOCAL_TRUST="10.232.0.0/16")
HORIZON, DEADLINE = 14, 90
# Short leases so that a lost host's item is claimed again within the night; each item is held
# 300 ms by the drill binary (WorkerSeam) so that faults land while work is in flight.
DAEMON = ["worker", "--workers", "1", "--poll-seconds", "1", "--chunk-size", "2", "--lease-seconds", "4",
          "--heartbeat-seconds", "1"]
random.seed(int(os.environ.get("SOAK_SEED", "32")))


def sh(args, env=ENV, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=env, **kw)


def ip(*args):
    r = sh(["/usr/sbin/ip", *args])
    if r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")


def psql(url, sql):
    r = sh(["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"psql: {r.stderr.strip()}")
    return r.stdout.strip()


def teardown_hosts():
    for h in HOSTS:
        sh(["/usr/sbin/ip", "netns", "delete", h["ns"]])
        sh(["/usr/sbin/ip", "link", "delete", h["link"]])


def make_hosts():
    teardown_hosts()
    for h in HOSTS:
        ip("netns", "add", h["ns"])
        ip("link", "add", h["link"], "type", "veth", "peer", "name", h["link"] + "p")
        ip("link", "set", h["link"] + "p", "netns", h["ns"])
        ip("addr", "add", h["server"] + "/24", "dev", h["link"])
        ip("link", "set", h["link"], "up")
        ip("netns", "exec", h["ns"], "ip", "addr", "add", h["addr"] + "/24", "dev", h["link"] + "p")
        ip("netns", "exec", h["ns"], "ip", "link", "set", h["link"] + "p", "up")
        ip("netns", "exec", h["ns"], "ip", "link", "set", "lo", "up")


class Daemons:
    """One daemon per host, restarted 2 s after it dies (as systemd's Restart=always)."""

    def __init__(self, url):
        self.url, self.procs, self.logs, self.stop = url, {}, {}, False
        for h in HOSTS:
            self.spawn(h)
        self.thread = threading.Thread(target=self.supervise, daemon=True)
        self.thread.start()

    def spawn(self, h):
        url = self.url.replace("127.0.0.1", h["server"])
        log = open(f"/tmp/forecast-soak/{h['ns']}.log", "a")
        env = dict(ENV, FORECAST_DRILL_HOLD_MS="300", FORECAST_SQL_DIR=os.path.join(ROOT, "sql"))
        self.procs[h["ns"]] = subprocess.Popen(
            ["/usr/sbin/ip", "netns", "exec", h["ns"], DRILL] + DAEMON + ["--database-url", url],
            stdout=log, stderr=log, env=env)

    def supervise(self):
        while not self.stop:
            for h in HOSTS:
                if self.procs[h["ns"]].poll() is not None and not self.stop:
                    time.sleep(2)
                    self.spawn(h)
            time.sleep(0.2)

    def kill(self, host):
        p = self.procs[host["ns"]]
        alive = p.poll() is None
        # `ip netns exec` execs the daemon: the process is the daemon itself.
        p.send_signal(signal.SIGKILL)
        return alive

    def close(self):
        self.stop = True
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def postmaster_children():
    pid = int(open("/tmp/forecast-soak/data/postmaster.pid").readline())
    out = sh(["ps", "-o", "pid=", "--ppid", str(pid)]).stdout.split()
    return [pid] + [int(x) for x in out]


# Each fault: (name, inject(daemons, host, url) -> proof that it happened).
def kill_host(d, h, url):
    return d.kill(h)


def link_down(d, h, url):
    ip("link", "set", h["link"], "down")
    time.sleep(8)
    ip("link", "set", h["link"], "up")
    return True


def drop_packets(d, h, url):
    ns = ["/usr/sbin/ip", "netns", "exec", h["ns"], "nft"]
    sh(ns + ["add", "table", "inet", "soak"])
    sh(ns + ["add chain inet soak out { type filter hook output priority 0; }"])
    r = sh(ns + ["add rule inet soak out numgen random mod 3 == 0 drop"])
    time.sleep(8)
    sh(ns + ["delete", "table", "inet", "soak"])
    return r.returncode == 0


def restart_server(d, h, url):
    before = psql(url, "SELECT pg_postmaster_start_time()")
    sh(PG + ["restart", "fast"])
    return psql(url, "SELECT pg_postmaster_start_time()") != before


def stall_server(d, h, url):
    pids = postmaster_children()
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    time.sleep(6)
    for p in pids:
        os.kill(p, signal.SIGCONT)
    return len(pids) > 1


def exhaust_connections(d, h, url):
    """Every connection slot taken (the superuser's reserved ones too: the daemons here connect as
    the cluster's superuser) by pgbench clients sleeping 6 s, then one more client at a time until
    one is refused (the proof)."""
    free = int(psql(url, "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"))
    script = "/tmp/forecast-soak/sleep.sql"
    with open(script, "w") as f:
        f.write("SELECT pg_sleep(6);\n")

    def hog(clients):
        return subprocess.Popen([PGBENCH, "-n", "-c", str(clients), "-j", "4", "-t", "1", "-f", script, url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    # Most of the free slots at once (pgbench stops when one of its clients cannot connect, so
    # leave a margin for daemons connecting meanwhile), then one client at a time.
    hogs = [hog(max(1, free - 3))]
    time.sleep(1)
    refused = False
    for _ in range(12):
        one = hog(1)
        time.sleep(0.3)
        hogs.append(one)
        if one.poll() is not None and one.returncode != 0:
            refused = True
            break
    for p in hogs:
        p.wait()
    return refused


FAULTS_ALL = [("worker host killed", kill_host), ("worker host cut off (link down 8 s)", link_down),
          ("packets dropped (1 in 3, 8 s)", drop_packets), ("server restarted (-m fast)", restart_server),
          ("server stalled 6 s (SIGSTOP)", stall_server), ("connections exhausted 6 s", exhaust_connections)]
FAULTS = [f for f in FAULTS_ALL if os.environ.get("SOAK_ONLY", "") in f[0]]

FINGERPRINT = """SELECT count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', f.item_id, f.location_id, f.ds, f.yhat, f.yhat_lower,
                 f.yhat_upper), ',' ORDER BY f.item_id, f.location_id, f.ds)), '-')
                 FROM forecast.forecasts f JOIN forecast.runs r ON r.id = f.run_id
                 WHERE r.status = 'published' AND r.cutoff = '{cutoff}' AND r.frequency = 'day'"""


def wait_daemons(url, daemons):
    """Both hosts' daemons alive and connected (a night comes a day after the one before: a daemon
    killed then has long been restarted)."""
    end = time.time() + 60
    while time.time() < end:
        alive = all(p.poll() is None for p in daemons.procs.values())
        try:
            hosts = int(psql(url, "SELECT count(DISTINCT client_addr) FROM pg_stat_activity WHERE client_addr <<= '10.232.0.0/16'"))
        except (RuntimeError, subprocess.TimeoutExpired):
            hosts = 0
        if alive and hosts == len(HOSTS):
            return
        time.sleep(0.2)
    raise RuntimeError("the daemons did not come back within 60 s")


def wait_published(url, request, deadline):
    while time.time() < deadline:
        try:
            state = psql(url, f"""SELECT q.state || ' ' || coalesce(r.status, '-') FROM forecast.run_requests q
                                  LEFT JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = {request}""")
            if state.endswith(" published"):
                return True
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        time.sleep(0.2)
    return False


def main():
    for path in (BIN, DRILL):
        if not os.access(path, os.X_OK):
            sys.exit(f"soak: {path} is missing: build every product first (make release)")
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so that the namespaces and the cluster go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("soak: stopped by SIGTERM"))
    sh(PG + ["destroy"])
    make_hosts()  # first: the server listens on the host side of their links
    cleanups = []  # what run_nights started, stopped here whichever way it ends
    try:
        run_nights(cleanups)
    finally:
        for stop in reversed(cleanups):
            stop()
        teardown_hosts()
        if not os.environ.get("SOAK_KEEP"):
            sh(PG + ["destroy"])


def run_nights(cleanups):
    started = sh(PG + ["start"])
    if started.returncode != 0:
        sys.exit(f"soak: the cluster did not start: {started.stderr.strip()}")
    admin = started.stdout.strip().splitlines()[-1]
    base = admin.rsplit("/", 1)[0]
    end = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    cutoffs = [(datetime.date.fromisoformat(end) - datetime.timedelta(days=NIGHTS - 1 - k)).isoformat() for k in range(NIGHTS)]
    urls = {}
    for name in ("soak_ref", "soak"):
        psql(admin, f"CREATE DATABASE {name}")
        urls[name] = f"{base}/{name}"
        for args in (["migrate"], ["demo-data", "--items", "8", "--locations", "2", "--days", "150", "--end", end, "--seed", "32"]):
            r = sh([BIN] + args + ["--database-url", urls[name]])
            if r.returncode != 0:
                sys.exit(f"soak: {' '.join(args)}: {r.stderr.strip()}")
    # The reference: every night without faults, one daemon on this host.
    ref = subprocess.Popen([BIN] + DAEMON + ["--database-url", urls["soak_ref"]], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=ENV)
    cleanups.append(ref.kill)
    reference = {}
    for cutoff in cutoffs:
        request = psql(urls["soak_ref"], f"SELECT forecast.enqueue_run('{cutoff}', 'day', {HORIZON})")
        if not wait_published(urls["soak_ref"], request, time.time() + 120):
            sys.exit(f"soak: the reference night {cutoff} was not published")
        reference[cutoff] = psql(urls["soak_ref"], FINGERPRINT.format(cutoff=cutoff))
    ref.terminate()
    ref.wait()
    print(f"soak: {NIGHTS} reference nights made ({cutoffs[0]} .. {cutoffs[-1]}, {reference[cutoffs[0]].split()[0]} rows each)",
          file=sys.stderr, flush=True)

    url = urls["soak"]
    daemons = Daemons(url)
    cleanups.append(daemons.close)
    rows = collections.defaultdict(lambda: collections.Counter())
    seconds = collections.defaultdict(float)
    correct = 0
    for night, cutoff in enumerate(cutoffs):
        name, inject = random.choice(FAULTS)
        host = random.choice(HOSTS)
        wait_daemons(url, daemons)
        t0 = time.time()
        request = psql(url, f"SELECT forecast.enqueue_run('{cutoff}', 'day', {HORIZON})")
        time.sleep(random.uniform(0.3, 2.0))
        hit = inject(daemons, host, url)
        published = wait_published(url, request, t0 + DEADLINE)
        took = time.time() - t0
        got = psql(url, FINGERPRINT.format(cutoff=cutoff)) if published else "0 -"
        run = psql(url, f"SELECT coalesce(run_id, 0) FROM forecast.run_requests WHERE id = {request}")
        dup = int(psql(url, f"SELECT count(*) - count(DISTINCT (item_id, location_id, ds)) FROM forecast.forecasts WHERE run_id = {run}"))
        stuck = int(psql(url, f"SELECT count(*) FROM forecast.work_items WHERE run_id = {run} AND state <> 'completed'"))
        retried = int(psql(url, f"SELECT count(*) FROM forecast.work_items WHERE run_id = {run} AND attempt > 1"))
        lost = max(0, int(reference[cutoff].split()[0]) - int(got.split()[0]))
        ok = bool(hit) and published and got == reference[cutoff] and dup == 0 and stuck == 0
        correct += ok
        c = rows[name]
        c["nights"] += 1
        c["hit"] += bool(hit)
        c["published"] += published
        c["correct"] += ok
        c["lost"] += lost
        c["dup"] += dup
        c["retried"] += retried
        seconds[name] = max(seconds[name], took)
        print(f"soak: night {night + 1}/{NIGHTS} {cutoff}: {name} on {host['ns']}: "
              f"{'published' if published else 'NOT published'} in {took:.1f} s, {'correct' if ok else 'WRONG'}"
              f" ({retried} items retried)", file=sys.stderr, flush=True)
    print(f"{'fault':<38} {'nights':>6} {'hit':>4} {'published':>9} {'correct':>7} {'lost':>5} {'dup':>4} {'retried':>7} {'slowest s':>9}")
    for name, _ in FAULTS:
        c = rows[name]
        if c["nights"]:
            print(f"{name:<38} {c['nights']:>6} {c['hit']:>4} {c['published']:>9} {c['correct']:>7} {c['lost']:>5} {c['dup']:>4} "
                  f"{c['retried']:>7} {seconds[name]:>9.1f}")
    print(f"(deadline {DEADLINE} s a night; 'retried': work items claimed again after their first attempt)")
    print(f"soak_correct={correct}/{NIGHTS}")
    sys.exit(0 if correct == NIGHTS else 1)


if __name__ == "__main__":
    main()
