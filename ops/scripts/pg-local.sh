#!/usr/bin/env bash
# A throwaway PostgreSQL cluster inside the project folder, for `make demo`, `make test` and CI.
#   ops/scripts/pg-local.sh start   # initdb if needed, start, create database "forecast"; prints DATABASE_URL
#   ops/scripts/pg-local.sh stop    # stop the server (data kept in .pg/)
#   ops/scripts/pg-local.sh destroy # stop and delete .pg/
#   ops/scripts/pg-local.sh url     # print the DATABASE_URL of the running cluster
#   ops/scripts/pg-local.sh restart fast|immediate  # restart the server (fault drills: make faults)
# Environment: PG_LOCAL_DIR (default <project>/.pg), PG_LOCAL_PORT (default: the first free port
# from 54329; remembered in .pg/port so that several checkouts can each run their own cluster),
# PG_LOCAL_DURABLE=1 (keep fsync and synchronous commits on: crash drills; off by default for speed),
# PG_LOCAL_LISTEN (more addresses to listen on, comma-separated, e.g. a veth address for daemons in
# network namespaces) and PG_LOCAL_TRUST (a CIDR whose clients are trusted, added to pg_hba.conf).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${PG_LOCAL_DIR:-$ROOT/.pg}"
# As root the server runs as "postgres", which must be able to reach DIR: a checkout under a
# private home (e.g. /root) is not reachable, so fall back to a folder under /tmp.
if [[ "$(id -u)" == "0" && -z "${PG_LOCAL_DIR:-}" ]]; then
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR" 2>/dev/null || true
  if ! /usr/sbin/runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
    DIR="/tmp/forecast-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
    [[ "${1:-}" == "start" ]] && echo "pg-local: $ROOT/.pg is not reachable by the postgres user; using $DIR" >&2
  fi
fi
DATA="$DIR/data"
SOCK="$DIR/sock"
LOG="$DIR/server.log"
DB="forecast"
SPEED="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ -n "${PG_LOCAL_DURABLE:-}" ]] && SPEED=""

BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$BIN" || ! -x "$BIN/initdb" ]]; then
  echo "pg-local: PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 69
fi

# initdb refuses to run as root: run the server as the postgres user then.
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then (cd / && /usr/sbin/runuser -u postgres -- "$@"); else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [[ -n "${PG_LOCAL_PORT:-}" ]]; then
  PORT="$PG_LOCAL_PORT"
elif [[ -f "$DIR/port" ]]; then
  PORT="$(cat "$DIR/port")"
else
  PORT=54329
fi

pick_port() {
  [[ -n "${PG_LOCAL_PORT:-}" ]] && return 0
  local p=54329
  while port_in_use "$p" || [[ " ${SKIP_PORTS:-} " == *" $p "* ]]; do p=$((p + 1)); [[ $p -gt 54400 ]] && { echo "pg-local: no free port in 54329-54400" >&2; exit 69; }; done
  PORT=$p
}

url() { echo "postgresql://postgres@127.0.0.1:$PORT/$DB"; }

# pg_cron (Debian postgresql-15-cron), when installed: the schedule in the database. Jobs run in
# background workers (no connection to authenticate); its catalog lives in the postgres database.
CRON=""
if [[ -f "$BIN/../lib/pg_cron.so" ]]; then
  CRON="-c shared_preload_libraries=pg_cron -c cron.database_name=postgres -c cron.use_background_workers=on -c max_worker_processes=16"
fi

LISTEN="127.0.0.1${PG_LOCAL_LISTEN:+,$PG_LOCAL_LISTEN}"
server_options() { echo "-k $SOCK -p $PORT -c listen_addresses=$LISTEN $SPEED $CRON -c max_connections=200"; }

trust_network() {
  [[ -n "${PG_LOCAL_TRUST:-}" ]] || return 0
  grep -q "^host all all ${PG_LOCAL_TRUST} trust" "$DATA/pg_hba.conf" \
    || as_owner sh -c "echo 'host all all ${PG_LOCAL_TRUST} trust' >> '$DATA/pg_hba.conf'"
}

ready() { "$BIN/pg_isready" -q -h "$SOCK" -p "$PORT" >/dev/null 2>&1; }

start() {
  mkdir -p "$DIR"
  if [[ "$(id -u)" == "0" ]]; then chown postgres:postgres "$DIR"; chmod 700 "$DIR"; fi
  if [[ -f "$DATA/postmaster.pid" ]] && ready; then
    # Started before pg_cron was installed: restart once with it preloaded.
    if [[ -n "$CRON" ]] && ! "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -tAc "SHOW shared_preload_libraries" | grep -q pg_cron; then
      restart fast
    fi
    url; return 0
  fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    rm -rf "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -E UTF8 --locale=C.UTF-8 --auth=trust -U postgres --no-sync >"$DIR/initdb.log" 2>&1 \
      || { echo "pg-local: initdb failed, see $DIR/initdb.log" >&2; exit 69; }
  fi
  as_owner mkdir -p "$SOCK"
  trust_network
  rm -f "$DATA/postmaster.pid" 2>/dev/null || true
  local attempt
  for attempt in 1 2 3 4 5; do
    pick_port
    echo "$PORT" > "$DIR/port"
    rm -f "$LOG" 2>/dev/null || true
    if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o "$(server_options)" >/dev/null; then
      # With several listen addresses the server starts when any one binds: a port held on
      # another address (say, a client's ephemeral port on 127.0.0.1) must fail here, not later.
      grep -q "could not bind" "$LOG" 2>/dev/null || break
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    # Another process may have taken the port between the check and the bind: try the next one.
    if [[ -z "${PG_LOCAL_PORT:-}" ]] && grep -q "could not bind" "$LOG" 2>/dev/null && [[ $attempt -lt 5 ]]; then
      SKIP_PORTS="${SKIP_PORTS:-} $PORT"
      continue
    fi
    echo "pg-local: server did not start on port $PORT (listen_addresses=$LISTEN), from $LOG:" >&2
    { grep -E "could not bind|FATAL" "$LOG" | head -3 || true; } >&2
    grep -qE "could not bind|FATAL" "$LOG" 2>/dev/null || tail -5 "$LOG" >&2 || true
    exit 69
  done
  for _ in $(seq 1 50); do ready && break; sleep 0.1; done
  if ! "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE $DB" >/dev/null
  fi
  url
}

stop() {
  if [[ -f "$DATA/PG_VERSION" ]]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

restart() {
  as_owner "$BIN/pg_ctl" -D "$DATA" -m "${1:-fast}" -w -t 60 restart -o "$(server_options)" >/dev/null
}

case "${1:-}" in
  start) start ;;
  restart) restart "${2:-fast}" ;;
  stop) stop ;;
  destroy) stop; rm -rf "$DIR" ;;
  url) url ;;
  *) echo "usage: $0 start|stop|destroy|url|restart [fast|immediate]" >&2; exit 64 ;;
esac
