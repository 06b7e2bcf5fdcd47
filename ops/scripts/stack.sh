#!/usr/bin/env bash
# The docker-compose stack without containers, on one host: PostgreSQL (the throwaway cluster of
# pg-local.sh, with pg_cron when installed, unless DATABASE_URL names another server), the
# migrations, the nightly schedule in pg_cron, and N worker daemons with /metrics, /healthz and
# /readyz. The same commands as the compose services and the systemd units in ops/systemd.
#   ops/scripts/stack.sh start [N] [BIN]  # N daemons (default 2) of BIN (default: the release build)
#   ops/scripts/stack.sh status           # each daemon: pid, /readyz
#   ops/scripts/stack.sh stop             # SIGTERM every daemon, wait for each to exit, print its exit code
# Environment: DATABASE_URL, STACK_DIR (pid files and logs; default <project>/.stack),
# STACK_HTTP_PORT (the first daemon's port; default 9101), STACK_SCHEDULE=0 (no pg_cron job),
# STACK_POLL_SECONDS (default 5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${STACK_DIR:-$ROOT/.stack}"
PORT0="${STACK_HTTP_PORT:-9101}"
mkdir -p "$STATE"

http_get() { # port path -> "status body"
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3
  local status body
  status=$(head -1 <&3 | awk '{ print $2 }')
  body=$(cat <&3 | tail -1)
  exec 3>&-
  echo "$status $body"
}

start() {
  local n="${1:-2}" bin="${2:-}"
  [[ -n "$bin" ]] || bin="$(cd "$ROOT" && swift build -c release --show-bin-path 2>/dev/null)/forecastctl"
  [[ -x "$bin" ]] || { echo "stack: no forecastctl at $bin (make release)" >&2; exit 69; }
  echo "$bin" > "$STATE/bin"
  if [[ -z "${DATABASE_URL:-}" ]]; then DATABASE_URL="$("$ROOT/ops/scripts/pg-local.sh" start)"; fi
  export DATABASE_URL
  echo "$DATABASE_URL" > "$STATE/database_url"
  "$bin" migrate | tail -1
  if [[ "${STACK_SCHEDULE:-1}" == "1" ]]; then
    if psql "$DATABASE_URL" -XtAc "SHOW shared_preload_libraries" 2>/dev/null | grep -q pg_cron; then
      local crondb; crondb=$(psql "$DATABASE_URL" -XtAc "SHOW cron.database_name")
      local db; db=$(psql "$DATABASE_URL" -XtAc "SELECT current_database()")
      psql "${DATABASE_URL%/*}/$crondb" -Xq -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
        -c "SELECT cron.schedule_in_database('forecast-daily-$db', '30 2 * * *', 'SELECT forecast.enqueue_run(current_date - 1)', '$db')" \
        -c "SELECT cron.schedule_in_database('forecast-evaluate-$db', '0 6 * * *', \$\$SELECT forecast.enqueue_job('evaluate')\$\$, '$db')" \
        -c "SELECT cron.schedule_in_database('forecast-monitor-$db', '30 6 * * *', \$\$SELECT forecast.enqueue_job('monitor')\$\$, '$db')" \
        -c "SELECT cron.schedule_in_database('forecast-retrain-$db', '0 4 * * 0', \$\$SELECT forecast.enqueue_job('retrain')\$\$, '$db')" >/dev/null
      echo "stack: scheduled with pg_cron: the nightly run 02:30, evaluate 06:00, monitor 06:30, retrain Sundays 04:00 (UTC; jobs forecast-*-$db)"
    else
      echo "stack: pg_cron is not loaded on this server: schedule 'SELECT forecast.enqueue_run(current_date - 1)' from cron or ops/systemd/forecast-enqueue.timer"
    fi
  fi
  for i in $(seq 1 "$n"); do
    local pidfile="$STATE/worker-$i.pid" port=$((PORT0 + i - 1))
    if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "stack: worker $i already running (pid $(cat "$pidfile"))"; continue; fi
    nohup "$bin" worker --http-port "$port" --poll-seconds "${STACK_POLL_SECONDS:-5}" > "$STATE/worker-$i.log" 2>&1 &
    echo $! > "$pidfile"
    echo "$port" > "$STATE/worker-$i.port"
  done
  for i in $(seq 1 "$n"); do
    local port; port=$(cat "$STATE/worker-$i.port")
    for _ in $(seq 1 100); do
      [[ "$(http_get "$port" /readyz 2>/dev/null | cut -d' ' -f1)" == "200" ]] && break
      kill -0 "$(cat "$STATE/worker-$i.pid")" 2>/dev/null || { echo "stack: worker $i exited; see $STATE/worker-$i.log" >&2; tail -3 "$STATE/worker-$i.log" >&2; exit 1; }
      sleep 0.1
    done
    echo "stack: worker $i pid $(cat "$STATE/worker-$i.pid") ready on http://127.0.0.1:$port/metrics"
  done
}

status() {
  local rc=0
  for pidfile in "$STATE"/worker-*.pid; do
    [[ -e "$pidfile" ]] || { echo "stack: no workers"; return 3; }
    local i port; i=$(basename "$pidfile" .pid); i=${i#worker-}; port=$(cat "$STATE/worker-$i.port")
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "worker $i: pid $(cat "$pidfile"), /readyz $(http_get "$port" /readyz 2>/dev/null || echo unreachable)"
    else
      echo "worker $i: not running"; rc=3
    fi
  done
  return $rc
}

stop() {
  local rc=0
  for pidfile in "$STATE"/worker-*.pid; do
    [[ -e "$pidfile" ]] || continue
    local pid i; pid=$(cat "$pidfile"); i=$(basename "$pidfile" .pid); i=${i#worker-}
    if kill -TERM "$pid" 2>/dev/null; then
      for _ in $(seq 1 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then echo "stack: worker $i (pid $pid) did not stop in 120 s" >&2; rc=1; continue; fi
    fi
    echo "stack: worker $i stopped: $(tail -1 "$STATE/worker-$i.log")"
    rm -f "$pidfile"
  done
  return $rc
}

case "${1:-}" in
  start) shift; start "$@" ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start [N] [BIN] | status | stop" >&2; exit 64 ;;
esac
