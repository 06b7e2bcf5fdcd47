#!/usr/bin/env python3
"""Checks the deployment files for what the database's role separation needs (issue 29, finding 8):

* docker-compose.yml: every worker daemon (`forecastctl worker`) connects as a login role that is
  not the schema owner (POSTGRES_USER) nor `postgres`, with its password from a Docker secret
  (PGPASSFILE under /run/secrets, the secret mounted, no password in the URL); a one-shot service
  grants forecast_worker to that role; the daemons publish no port and sit on internal networks
  only (their HTTP endpoints are not on the host or any outside network).
* ops/systemd: the worker environment's PGUSER is not the owner environment's, and has no password.

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
    elif f"GRANT forecast_worker TO {user}" not in grants and f"{user} LOGIN IN ROLE forecast_worker" not in grants:
        problems.append(f"{name}: no service grants forecast_worker to {user}")
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

worker_env = env_file(os.path.join(systemd_dir, "worker.env.example"))
owner_env = env_file(os.path.join(systemd_dir, "owner.env.example"))
if worker_env.get("PGUSER") in (None, owner_env.get("PGUSER"), "postgres"):
    problems.append(f"systemd: worker.env PGUSER {worker_env.get('PGUSER')} is the owner's or the superuser")
if "PGPASSWORD" in worker_env or "@" in worker_env.get("DATABASE_URL", ""):
    problems.append("systemd: worker.env carries a password (use PGPASSFILE)")

if problems:
    for p in problems:
        print(f"compose-check: {p}", file=sys.stderr)
    sys.exit(1)
users = sorted({urlparse((s.get('environment') or {}).get('DATABASE_URL', '')).username for s in daemons.values()})
print(f"compose-check: ok: {len(daemons)} daemon service(s) connect as {', '.join(users)} (not the owner {owner}), "
      f"passwords from secrets, no published ports, internal networks only; systemd workers as {worker_env.get('PGUSER')}")
