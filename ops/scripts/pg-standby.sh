#!/usr/bin/env bash
# A hot standby (streaming replica) of a primary PostgreSQL, for BI readers of forecast.latest and
# for the failover drill. Made with pg_basebackup -R (standby.signal + primary_conninfo), started on
# its own port, read-only; forecast.freshness shows replica_lag there.
#   ops/scripts/pg-standby.sh start    # base backup from the primary, start; prints the standby's URL
#   ops/scripts/pg-standby.sh lag      # replay lag as the standby sees it (bytes received - replayed, seconds)
#   ops/scripts/pg-standby.sh promote  # failover: the standby becomes a read-write primary
#   ops/scripts/pg-standby.sh stop | destroy
# Environment: PRIMARY_URL (postgresql://user@host:port/db; default: the pg-local.sh cluster, which
# trusts replication from 127.0.0.1), PG_STANDBY_DIR (default /tmp/forecast-pg-standby),
# PG_STANDBY_PORT (default: the first free port from 54339).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PRIMARY_URL="${PRIMARY_URL:-$("$ROOT/ops/scripts/pg-local.sh" url)}"
DIR="${PG_STANDBY_DIR:-/tmp/forecast-pg-standby}"
DATA="$DIR/data" SOCK="$DIR/sock" LOG="$DIR/server.log"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"

if [[ ! "$PRIMARY_URL" =~ ^postgres(ql)?://([^@/]+@)?([^:/?]+)(:([0-9]+))?/([^?]+) ]]; then
  echo "pg-standby: PRIMARY_URL must look like postgresql://user@host:port/database, got $PRIMARY_URL" >&2; exit 64
fi
P_USER="${BASH_REMATCH[2]%@}" P_HOST="${BASH_REMATCH[3]}" P_PORT="${BASH_REMATCH[5]:-5432}" P_DB="${BASH_REMATCH[6]}"
P_USER="${P_USER:-postgres}"

as_owner() { if [[ "$(id -u)" == "0" ]]; then (cd / && /usr/sbin/runuser -u postgres -- "$@"); else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${PG_STANDBY_PORT:-$(cat "$DIR/port" 2>/dev/null || true)}"
url() { echo "postgresql://$P_USER@127.0.0.1:$PORT/$P_DB"; }
q() { "$BIN/psql" -X -h "$SOCK" -p "$PORT" -U "$P_USER" -d "$P_DB" -tAc "$1"; }

start() {
  mkdir -p "$DIR"
  if [[ "$(id -u)" == "0" ]]; then chown postgres:postgres "$DIR"; chmod 700 "$DIR"; fi
  if [[ -z "$PORT" ]]; then PORT=54339; while port_in_use "$PORT"; do PORT=$((PORT + 1)); done; fi
  echo "$PORT" > "$DIR/port"
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    as_owner "$BIN/pg_basebackup" -h "$P_HOST" -p "$P_PORT" -U "$P_USER" -D "$DATA" -R -X stream -c fast --no-sync \
      >"$DIR/basebackup.log" 2>&1 || { echo "pg-standby: pg_basebackup failed, see $DIR/basebackup.log" >&2; tail -3 "$DIR/basebackup.log" >&2; exit 69; }
  fi
  as_owner mkdir -p "$SOCK"
  # A hot standby needs these at least as high as on the primary.
  local settings=""
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    settings+=" -c $name=$("$BIN/psql" -X "$PRIMARY_URL" -tAc "SHOW $name")"
  done
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
    -o "-k $SOCK -p $PORT -c listen_addresses=127.0.0.1 -c hot_standby=on -c shared_preload_libraries= $settings" >/dev/null \
    || { echo "pg-standby: the standby did not start, see $LOG" >&2; tail -5 "$LOG" >&2; exit 69; }
  url
}

lag() {
  q "SELECT 'in recovery: ' || pg_is_in_recovery() || ', bytes not replayed: ' || coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)
            || ', replica_lag: ' || coalesce((SELECT max(replica_lag)::text FROM forecast.freshness), '-')"
}

promote() {
  as_owner "$BIN/pg_ctl" -D "$DATA" -w -t 60 promote >/dev/null
  for _ in $(seq 1 100); do [[ "$(q "SELECT pg_is_in_recovery()")" == "f" ]] && break; sleep 0.1; done
  echo "pg-standby: promoted; $(url) is now read-write (point DATABASE_URL of the daemons and readers at it)"
}

stop() { [[ -f "$DATA/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true; }

case "${1:-}" in
  start) start ;;
  lag) lag ;;
  promote) promote ;;
  stop) stop ;;
  destroy) stop; rm -rf "$DIR" ;;
  url) url ;;
  *) echo "usage: $0 start|lag|promote|stop|destroy|url" >&2; exit 64 ;;
esac
