#!/usr/bin/env bash
# make bench-latest: the published-run read path (forecast.latest by item, by location, whole) with
# 1 run of history and again with 100 runs, in a database of its own. The first run is a real
# `forecastctl run`; the 99 older runs are copies of its rows made in SQL (through the run
# lifecycle: queued -> running -> rows -> published, each with its own partitions), because 99
# real runs would only make the benchmark slower, not different for the read path. Each query is
# timed with pgbench (mean latency over a few seconds). Prints, per query, the latency at 1 and at
# 100 runs (planned per query, and prepared), the latency of the same query on the served
# partition alone (the floor), and latest_100_runs_vs_1=<worst ratio>.
# Usage: ops/scripts/bench-latest.sh path/to/forecastctl   (DATABASE_URL must point at a server
# where this role may create databases; the benchmark creates and drops forecast_bench_latest)
set -euo pipefail
BIN="$1"
ITEMS="${BENCH_ITEMS:-500}" LOCATIONS="${BENCH_LOCATIONS:-10}" SECONDS_PER_QUERY="${BENCH_SECONDS:-4}"
: "${DATABASE_URL:?DATABASE_URL must be set}"
PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)"
DB=forecast_bench_latest
ADMIN=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
"${ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
base="${DATABASE_URL%%\?*}" query="${DATABASE_URL#"${DATABASE_URL%%\?*}"}"
URL="${base%/*}/$DB$query"  # a URI (postgresql://...) with this database's name
[[ -n "${BENCH_KEEP:-}" ]] || trap '"${ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT
export DATABASE_URL="$URL"
PSQL=(psql "$URL" -X -q -v ON_ERROR_STOP=1)

"$BIN" migrate >/dev/null
"$BIN" demo-data --items "$ITEMS" --locations "$LOCATIONS" --days 120 --end 2026-11-27 --seed 11 >/dev/null 2>&1
"$BIN" run --cutoff 2026-11-27 --as-of 2026-11-28T06:00:00Z --model seasonal_naive --horizon 28 --no-progress >/dev/null 2>&1
BASE=$("${PSQL[@]}" -tAc "SELECT id FROM forecast.runs WHERE status = 'published'")
ROWS=$("${PSQL[@]}" -tAc "SELECT count(*) FROM forecast.forecasts WHERE run_id = $BASE")
ITEM=$("${PSQL[@]}" -tAc "SELECT min(item_id) FROM forecast.forecasts WHERE run_id = $BASE")
LOC=$("${PSQL[@]}" -tAc "SELECT min(location_id) FROM forecast.forecasts WHERE run_id = $BASE")
"${PSQL[@]}" -c "ANALYZE"

time_query() { # sql [protocol] -> mean latency in ms (simple: planned every time, like ad-hoc SQL;
  # prepared: planned once per session, like BI drivers that prepare their statements)
  local f; f=$(mktemp)
  echo "$1" > "$f"
  "$PGBENCH" -n -M "${2:-simple}" -f "$f" -T "$SECONDS_PER_QUERY" -c 1 "$URL" 2>/dev/null | awk '/latency average/ { print $4 }'
  rm -f "$f"
}
declare -A Q=(
  [by_item]="SELECT * FROM forecast.latest WHERE item_id = '$ITEM'"
  [by_location]="SELECT * FROM forecast.latest WHERE location_id = '$LOC'"
  [whole]="SELECT * FROM forecast.latest"
)
declare -A FLOOR=(
  [by_item]="SELECT * FROM forecast.forecasts_r$BASE WHERE run_id = $BASE AND item_id = '$ITEM'"
  [by_location]="SELECT * FROM forecast.forecasts_r$BASE WHERE run_id = $BASE AND location_id = '$LOC'"
  [whole]="SELECT * FROM forecast.forecasts_r$BASE"
)
declare -A ONE HUNDRED PREPARED FLOORMS
for k in by_item by_location whole; do ONE[$k]=$(time_query "${Q[$k]}"); done

echo "bench-latest: copying run $BASE ($ROWS rows) into 99 older published runs" >&2
for k in $(seq 1 99); do
  "${PSQL[@]}" <<SQL
BEGIN;
INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, config, code_version, model_version, status, started_at)
SELECT cutoff - $k, as_of - make_interval(days => $k), frequency, horizon, config, code_version, model_version, 'queued', NULL
FROM forecast.runs WHERE id = $BASE;
UPDATE forecast.runs SET status = 'running', started_at = clock_timestamp() WHERE id = currval('forecast.runs_id_seq');
INSERT INTO forecast.forecasts
SELECT item_id, location_id, ds - $k, horizon, yhat, yhat_lower, yhat_upper, interval_level, model_name, model_version,
       currval('forecast.runs_id_seq'), cutoff - $k, generated_at
FROM forecast.forecasts WHERE run_id = $BASE;
INSERT INTO forecast.work_items (run_id, chunk, series_count, state, attempt, finalized_at, rows_written)
VALUES (currval('forecast.runs_id_seq'), 0, $ROWS / 28, 'completed', 1, clock_timestamp(), $ROWS);
UPDATE forecast.runs SET status = 'published', published_at = clock_timestamp(), finished_at = clock_timestamp(),
       row_count = $ROWS WHERE id = currval('forecast.runs_id_seq');
COMMIT;
SQL
done
"${PSQL[@]}" -c "ANALYZE"
RUNS=$("${PSQL[@]}" -tAc "SELECT count(*) FROM forecast.runs WHERE status = 'published'")
HISTORY=$("${PSQL[@]}" -tAc "SELECT count(*) FROM forecast.forecasts")
[[ "$("${PSQL[@]}" -tAc "SELECT run_id FROM forecast.served_runs")" == "$BASE" ]] || { echo "bench-latest: the served run moved" >&2; exit 1; }
for k in by_item by_location whole; do
  HUNDRED[$k]=$(time_query "${Q[$k]}"); PREPARED[$k]=$(time_query "${Q[$k]}" prepared); FLOORMS[$k]=$(time_query "${FLOOR[$k]}")
done

echo "forecast.latest read path: $ITEMS x $LOCATIONS series x 28 days = $ROWS rows served; history $RUNS published runs, $HISTORY rows"
printf "%-12s %10s %12s %21s %18s %10s %10s\n" query "1 run ms" "$RUNS runs ms" "$RUNS runs prepared ms" "partition-only ms" "100 vs 1" "vs floor"
worst=0
for k in by_item by_location whole; do
  r=$(awk -v a="${HUNDRED[$k]}" -v b="${ONE[$k]}" 'BEGIN { printf "%.2f", a / b }')
  f=$(awk -v a="${HUNDRED[$k]}" -v b="${FLOORMS[$k]}" 'BEGIN { printf "%.2f", a / b }')
  printf "%-12s %10s %12s %21s %18s %10s %10s\n" "$k" "${ONE[$k]}" "${HUNDRED[$k]}" "${PREPARED[$k]}" "${FLOORMS[$k]}" "$r" "$f"
  worst=$(awk -v a="$worst" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
done
echo "latest_100_runs_vs_1=$worst"
