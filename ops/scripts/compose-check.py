#!/usr/bin/env python3
"""Checks the deployment files for what the database's role separation needs (issue 29, finding 8):

* docker-compose.yml: every worker daemon (`forecastctl worker`) connects as a login role that is
  not the schema owner (POSTGRES_USER) nor `postgres`, with its password from a Docker secret
  (PGPASSFILE under /run/secrets, the secret mounted, no password in the URL); a one-shot service
  grants forecast_worker or forecast_monitor to that role; the daemons publish no port and sit on
  internal networks only (their HTTP endpoints are not on the host or any outside network).
* The monitor pass: some daemon logs in as a member of forecast_monitor, and none that takes runs
  does (the login that publishes forecasts must not record or resolve the alerts about them);
  `--jobs monitor` only for such a login.
* ops/systemd: the worker and monitor environments' PGUSERs are neither the owner environment's nor
  each other's, and carry no password.

Usage: compose-check.py [docker-compose.yml] [ops/systemd]   (exit 0: ok; 1: what is wrong)
Needs PyYAML (Debian python3-yaml).
"""
import os
import sys
from urllib.parse import urlparse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
compose_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docker-compose.yml")
systemd_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "ops/systemd")
problems = []
compose = yaml.safe_load(open(compose_path))  # SafeLoader resolves anchors and `<<` merge keys
services = compose.get("services", {})
networks = compose.get("networks", {}) or {}
owner = (services.get("postgres", {}).get("environment", {}) or {}).get("POSTGRES_USER", "postgres")


def command(service):
    c = service.get("command", [])
    return c if isinstance(c, list) else str(c).split()


daemons = {name: s for name, s in services.items() if command(s)[:1] == ["worker"]}
if not daemons:
    problems.append("no worker daemon service (command: worker ...) found")
grants = " ".join(" ".join(command(s)) for s in services.values())
monitors = []
for name, s in daemons.items():
    env = s.get("environment", {}) or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    url = urlparse(env.get("DATABASE_URL", ""))
    user = url.username or env.get("PGUSER", "")
    if not user:
        problems.append(f"{name}: no database user in DATABASE_URL or PGUSER")
    elif user in (owner, "postgres"):
        problems.append(f"{name}: connects as {user}, the {'schema owner (POSTGRES_USER)' if user == owner else 'superuser'}")
    else:
        granted = {role for role in ("forecast_worker", "forecast_monitor")
                   if f"GRANT {role} TO {user}" in grants or f"{user} LOGIN IN ROLE {role}" in grants}
        args = command(s)
        takes_runs = "--no-runs" not in args
        jobs = args[args.index("--jobs") + 1].split(",") if "--jobs" in args[:-1] else None
        if not granted:
            problems.append(f"{name}: no service grants forecast_worker or forecast_monitor to {user}")
        elif "forecast_monitor" in granted and takes_runs:
            problems.append(f"{name}: {user} is in forecast_monitor and takes runs (the login that publishes could resolve its alerts)")
        elif "forecast_monitor" in granted:
            monitors.append(name)
        if jobs is not None and "monitor" in jobs and "forecast_monitor" not in granted:
            problems.append(f"{name}: --jobs monitor, but {user} is not in forecast_monitor")
    if url.password:
        problems.append(f"{name}: a password in DATABASE_URL (use a secret and PGPASSFILE)")
    passfile = env.get("PGPASSFILE", "")
    secrets = [x if isinstance(x, str) else x.get("source") for x in s.get("secrets", [])]
    if not passfile.startswith("/run/secrets/") or os.path.basename(passfile) not in secrets:
        problems.append(f"{name}: PGPASSFILE {passfile or '(unset)'} is not a mounted secret")
    if s.get("ports"):
        problems.append(f"{name}: publishes ports {s['ports']} (its HTTP endpoints have no authentication)")
    nets = s.get("networks") or ["default"]
    for n in (nets if isinstance(nets, list) else list(nets)):
        if not (networks.get(n) or {}).get("internal"):
            problems.append(f"{name}: on network {n}, which is not internal")

def env_file(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out

if daemons and not monitors:
    problems.append("no daemon service logs in as a member of forecast_monitor: monitor jobs would wait forever")

worker_env = env_file(os.path.join(systemd_dir, "worker.env.example"))
owner_env = env_file(os.path.join(systemd_dir, "owner.env.example"))
monitor_env = env_file(os.path.join(systemd_dir, "monitor.env.example"))
for label, e in (("worker.env", worker_env), ("monitor.env", monitor_env)):
    if e.get("PGUSER") in (None, owner_env.get("PGUSER"), "postgres"):
        problems.append(f"systemd: {label} PGUSER {e.get('PGUSER')} is the owner's or the superuser")
    if "PGPASSWORD" in e or "@" in e.get("DATABASE_URL", ""):
        problems.append(f"systemd: {label} carries a password (use PGPASSFILE)")
if monitor_env.get("PGUSER") == worker_env.get("PGUSER"):
    problems.append("systemd: monitor.env and worker.env log in as the same role (the monitor's must be in forecast_monitor, the workers' not)")

if problems:
    for p in problems:
        print(f"compose-check: {p}", file=sys.stderr)
    sys.exit(1)
users = sorted({urlparse((s.get('environment') or {}).get('DATABASE_URL', '')).username for s in daemons.values()})
print(f"compose-check: ok: {len(daemons)} daemon service(s) connect as {', '.join(users)} (not the owner {owner}), "
      f"passwords from secrets, no published ports, internal networks only; the monitor pass only in {', '.join(monitors)}, "
      f"which takes no runs; systemd workers as {worker_env.get('PGUSER')}, the monitor as {monitor_env.get('PGUSER')}")
