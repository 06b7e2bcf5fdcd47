#!/usr/bin/env bash
# make bench-million: a night at a million daily series, in a database of its own. A demo catalogue
# of MILLION_ITEMS x MILLION_LOCATIONS series (default 1,000 x 1,000) x MILLION_DAYS days, the
# production policy (`train` MILLION_TRAIN_ARGS: the global model on a byte-budgeted sample of
# origins) registered and promoted, then two nights taken by worker daemons (MILLION_DAEMONS, each
# --workers 1) from requests enqueued by SQL: the night before the newest cutoff, then the newest,
# followed by `forecastctl evaluate` as a steady night's pass: the day that landed since night 1,
# at MILLION_EVALUATED_HORIZONS (default 1,7,14,28; empty: every horizon), from night 1's run and,
# for each evaluated horizon k > 1, a run of cutoff END - k made before the nights (untimed), as a
# month of kept runs would hold. Prints each phase in seconds (load, train, contracts, planning, prepare, work,
# publish, monitor pass, evaluate), the peak memory of every process, the database's size, the
# PostgreSQL-only floor measured in the same run (binary COPY OUT of the input rows, COPY IN of the
# night's rows), and ends with night_seconds=<contracts to published + monitor + evaluate> and
# ratio=<the newest night's run / floor>.
#
# Disk: the inputs take about 170 bytes per sales row with their indexes, the forecasts about 210
# per row, `train`'s backtest rows about 150; the script estimates what it needs and refuses to start
# when the database's disk has less free (MILLION_FORCE=1 starts anyway).
# Usage: ops/scripts/bench-million.sh path/to/forecastctl   (DATABASE_URL: a server where this role
# may create databases; the benchmark creates forecast_bench_million and drops it unless BENCH_KEEP)
set -euo pipefail
BIN="$1"
ITEMS="${MILLION_ITEMS:-1000}" LOCATIONS="${MILLION_LOCATIONS:-1000}" DAYS="${MILLION_DAYS:-365}" HORIZON=28
TRAIN_ARGS="${MILLION_TRAIN_ARGS:---model xgboost --folds 1 --step 28}"
DAEMONS="${MILLION_DAEMONS:-2}" THREADS=1
EVAL_HORIZONS="${MILLION_EVALUATED_HORIZONS-1,7,14,28}"
[[ "$EVAL_HORIZONS" =~ ^([0-9]+(,[0-9]+)*)?$ ]] || { echo "bench-million: MILLION_EVALUATED_HORIZONS must be steps like 1,7,14,28, got $EVAL_HORIZONS" >&2; exit 64; }
END="${MILLION_END:-$(date -u -d yesterday +%F)}"
BEFORE="$(date -u -d "$END - 1 day" +%F)"
: "${DATABASE_URL:?DATABASE_URL must be set}"
# shellcheck source=ops/scripts/bench-night.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-night.sh"
bench_database forecast_bench_million
SERIES=$((ITEMS * LOCATIONS))
say() { echo "bench-million: $*" >&2; }

# What it needs: sales rows with their indexes, the runs' forecasts (with their baseline paths),
# train's backtest rows (folds x horizon x series x 2 models), and a fifth more for the rest.
RUNS_KEPT=$((2 + $(tr ',' '\n' <<< "$EVAL_HORIZONS" | awk -v h="$HORIZON" '$1 > 1 && $1 <= h' | wc -l)))
NEED_GB=$(awk -v s="$SERIES" -v d="$DAYS" -v h="$HORIZON" -v n="$RUNS_KEPT" -v f="$(grep -o -- '--folds [0-9]*' <<< "$TRAIN_ARGS" | awk '{ print $2 }')" \
  'BEGIN { printf "%.0f", 1.2 * (s * d * 170 + n * s * h * 210 + (f ? f : 1) * 2 * s * h * 150) / 1e9 }')
DATA_DIR=$("${ADMIN[@]}" -tAc "SELECT setting FROM pg_settings WHERE name = 'data_directory'" 2>/dev/null || true)
if [[ -n "$DATA_DIR" && -d "$DATA_DIR" ]]; then
  FREE_GB=$(df -BG --output=avail "$DATA_DIR" | tail -1 | tr -dc 0-9)
  say "$SERIES series x $DAYS days need about $NEED_GB GB; $FREE_GB GB free under $DATA_DIR"
  if (( FREE_GB < NEED_GB )) && [[ -z "${MILLION_FORCE:-}" ]]; then
    say "not enough disk: free $NEED_GB GB, or set MILLION_DAYS lower (each day of history is $(awk -v s="$SERIES" 'BEGIN { printf "%.1f", s * 170 / 1e9 }') GB), or MILLION_FORCE=1"
    exit 3
  fi
else
  say "$SERIES series x $DAYS days need about $NEED_GB GB (the server's data directory is not readable from here: not checked)"
fi

"${ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export DATABASE_URL="$URL"
PSQL=(psql "$URL" -X -q -v ON_ERROR_STOP=1)
"$BIN" migrate >/dev/null

# Peak resident memory of one command (KiB), beside its output in $TMP/<name>.out.
timed() { # name command...
  local name="$1"; shift
  /usr/bin/time -f "%M %e" -o "$TMP/$name.time" "$@" > "$TMP/$name.out" 2>&1 || { tail -5 "$TMP/$name.out" >&2; exit 1; }
}
peak_mib() { awk '{ printf "%.0f", $1 / 1024 }' "$TMP/$1.time"; }
wall() { awk '{ print $2 }' "$TMP/$1.time"; }

say "$SERIES series x $DAYS days ending $END, horizon $HORIZON, $(nproc) cores, $DAEMONS daemons"
t0=$(bench_now)
timed load "$BIN" demo-data --items "$ITEMS" --locations "$LOCATIONS" --days "$DAYS" --end "$END" --seed 3
"${PSQL[@]}" -c "VACUUM ANALYZE demand.sales"
LOAD_S=$(bench_secs "$t0" "$(bench_now)")
say "loaded in $LOAD_S s: $(grep -v '^demo-data: series' "$TMP/load.out" | head -2 | tr '\n' ' ')"

# shellcheck disable=SC2086
timed train "$BIN" train --label "bench-million" --horizon "$HORIZON" --end "$BEFORE" $TRAIN_ARGS --no-progress
VERSION=$(grep -o 'registered model version [0-9.]*' "$TMP/train.out" | awk '{ print $4 }')
"$BIN" promote "$VERSION" --to production --force --reason "bench-million: the production policy, whatever its gate" >/dev/null
say "production policy $VERSION ($TRAIN_ARGS) trained in $(wall train) s, peak $(peak_mib train) MiB"

# The evaluated horizons (the owner sets them, as `objectives --apply` would from the metrics
# contract), and the earlier runs whose forecasts for the newest day are at one of them.
EARLIER=0
if [[ -n "$EVAL_HORIZONS" ]]; then
  "${PSQL[@]}" -v h="{$EVAL_HORIZONS}" <<< "UPDATE forecast.service_objectives SET evaluated_horizons = :'h'::int[] WHERE frequency = 'day'"
  t0=$(bench_now)
  for k in ${EVAL_HORIZONS//,/ }; do
    (( k > 1 && k <= HORIZON )) || continue
    "$BIN" run --cutoff "$(date -u -d "$END - $k days" +%F)" --workers 2 --no-progress > "$TMP/earlier-$k.out" 2>&1 \
      || { tail -5 "$TMP/earlier-$k.out" >&2; exit 1; }
    EARLIER=$((EARLIER + 1))
  done
  say "evaluated horizons $EVAL_HORIZONS: $EARLIER earlier runs published in $(bench_secs "$t0" "$(bench_now)") s (not part of the night)"
fi

read -r ONE_S _ _ ONE_PEAK ONE_RUN ONE_MONITOR <<< "$(bench_nightly "$DAEMONS" "$BEFORE")"
say "night 1 (cutoff $BEFORE, run $ONE_RUN): published in $ONE_S s, monitor pass $ONE_MONITOR s"
read -r RUN_S SERIES_N ROWS PEAK RUN MONITOR_S <<< "$(bench_nightly "$DAEMONS" "$END")"
say "night 2 (cutoff $END, run $RUN): published in $RUN_S s, monitor pass $MONITOR_S s"
# The previous night's pass, as it would have been recorded after night 1 (actuals landed through
# its cutoff): tonight's pass scores the newest day alone, as every night once runs are kept.
"${PSQL[@]}" -c "INSERT INTO forecast.evaluation_passes (input_schema, landed_through, loaded_through, os_user)
  SELECT 'demand', max(ds), max(loaded_at), 'bench-million: the previous night' FROM demand.sales WHERE ds <= '$BEFORE'"
timed evaluate "$BIN" evaluate
EVALUATED=$(grep -o '[0-9]* forecasts evaluated' "$TMP/evaluate.out" | head -1 || true)

read -r READ_S WRITE_S <<< "$(bench_floor "$END" "$RUN")"
FLOOR_S=$(awk -v a="$READ_S" -v b="$WRITE_S" 'BEGIN { printf "%.2f", a + b }')
timing() { "${PSQL[@]}" -tAc "SELECT coalesce(timings ->> '$1', '0') FROM forecast.runs WHERE id = $RUN"; }
CONTRACTS=$(timing contracts_s) PLAN=$(timing plan_s) PREPARE=$(timing prepare_s) WORK=$(timing work_s) PUBLISH=$(timing publish_s) INDEX=$(timing index_s)
# The planner prepares the stored version after planning, in the same transaction, while the
# contracts run beside both: the path before the first claim is the longer of the two.
QUEUED=$(awk -v r="$RUN_S" -v c="$CONTRACTS" -v p="$PLAN" -v s="$PREPARE" -v w="$WORK" 'BEGIN { m = (c + 0 > p + s) ? c : p + s; q = r - m - w; if (q < 0) q = 0; printf "%.2f", q }')

echo
echo "bench-million: $SERIES_N series x $DAYS days, $ROWS forecast rows a night, $DAEMONS daemons x 1 worker, $(nproc) cores"
printf "%-34s %10s %s\n" phase seconds note
printf "%-34s %10s %s\n" "load (demo-data + VACUUM ANALYZE)" "$LOAD_S" "$("${PSQL[@]}" -tAc "SELECT count(*) FROM demand.sales") sales rows; not part of the night"
printf "%-34s %10s %s\n" "train (registered version)" "$(wall train)" "$TRAIN_ARGS; not part of the night"
printf "%-34s %10s %s\n" "contracts" "$CONTRACTS" "beside planning and preparing"
printf "%-34s %10s %s\n" "planning" "$PLAN" "series list, manifest, work items"
printf "%-34s %10s %s\n" "prepare (stored version)" "$PREPARE" "after planning, in its transaction (competing prices)"
printf "%-34s %10s %s\n" "work" "$(awk -v w="$WORK" -v p="$PUBLISH" 'BEGIN { printf "%.2f", w - p }')" "reads, forecasts, writes"
printf "%-34s %10s %s\n" "publish (output checks, flip)" "$PUBLISH" ""
printf "%-34s %10s %s\n" "index by location" "$INDEX" "after publishing; part of the monitor pass line below"
printf "%-34s %10s %s\n" "waiting for a daemon" "$QUEUED" "the rest of request to published (taking the request, the first claim)"
printf "%-34s %10s %s\n" "monitor pass" "$MONITOR_S" "by the coordinator after publishing"
printf "%-34s %10s %s\n" "evaluate" "$(wall evaluate)" "$EVALUATED (the newest day, horizons ${EVAL_HORIZONS:-all}: night 1's run and $EARLIER earlier)"
echo
printf "%-34s %10s\n" process "peak MiB"
printf "%-34s %10s\n" "demo-data" "$(peak_mib load)"
printf "%-34s %10s\n" "train" "$(peak_mib train)"
printf "%-34s %10s\n" "worker daemon (highest, night 1)" "$(awk -v k="$ONE_PEAK" 'BEGIN { printf "%.0f", k / 1024 }')"
printf "%-34s %10s\n" "worker daemon (highest, night 2)" "$(awk -v k="$PEAK" 'BEGIN { printf "%.0f", k / 1024 }')"
printf "%-34s %10s\n" "evaluate" "$(peak_mib evaluate)"
echo
echo "database: $("${PSQL[@]}" -tAc "SELECT pg_size_pretty(pg_database_size(current_database()))"); largest tables with their indexes:"
"${PSQL[@]}" -tAc "SELECT '  ' || rpad(name, 36) || pg_size_pretty(bytes) FROM (
    SELECT n.nspname || '.' || c.relname AS name,
           pg_total_relation_size(c.oid) + coalesce((SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = c.oid), 0) AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname IN ('demand', 'forecast')) t
  ORDER BY bytes DESC LIMIT 6"
echo "floor: read ${READ_S} s + write ${WRITE_S} s = ${FLOOR_S} s (PostgreSQL alone, same rows)"
echo
python3 "$(dirname "${BASH_SOURCE[0]}")/../bench/scaleout.py" "$URL" "$RUN" "$READ_S" "$WRITE_S" "$WORK" "$DAEMONS"
echo
echo "forecast.latest at this size ($("${PSQL[@]}" -tAc "SELECT count(*) FROM forecast.runs WHERE status = 'published'") nights of runs; a month of them needs about $(awk -v s="$SERIES" -v h="$HORIZON" 'BEGIN { printf "%.0f", 30 * s * h * 210 / 1e9 }') GB more):"
bash "$(dirname "${BASH_SOURCE[0]}")/latest-probe.sh" "$URL"
echo
echo "night_seconds=$(awk -v r="$RUN_S" -v m="$MONITOR_S" -v e="$(wall evaluate)" 'BEGIN { printf "%.1f", r + m + e }') (target <= 1800)"
echo "ratio=$(awk -v a="$RUN_S" -v b="$FLOOR_S" 'BEGIN { printf "%.2f", a / b }') (target <= 1.3)"
