#!/usr/bin/env bash
# make bench-scale: the production path at scale, in a database of its own. A demo catalogue of
# SCALE_ITEMS x SCALE_LOCATIONS series x 730 days (default 1,000 x 100 = 100k series), the
# production policy (`train` SCALE_TRAIN_ARGS, default the demo's XGBoost, promoted), then the
# nightly run done by worker daemons: once with 1 daemon, once with 2 (each --workers 1; two
# cutoffs, each enqueued by SQL). Prints wall time, series/s, rows written/s and the daemons' peak
# memory for each, the speed-up from 1 to 2 daemons, the PostgreSQL-only floor measured in the same
# run (binary COPY OUT of the input rows + COPY IN of the same number of forecast rows) and
# ratio=<2-daemon run / floor> (target <= 1.5). SCALE_WORKERS: worker threads per daemon (default 1).
# Usage: ops/scripts/bench-scale.sh path/to/forecastctl   (DATABASE_URL: a server where this role
# may create databases; the benchmark creates and drops forecast_bench_scale)
set -euo pipefail
BIN="$1"
ITEMS="${SCALE_ITEMS:-1000}" LOCATIONS="${SCALE_LOCATIONS:-100}" DAYS="${SCALE_DAYS:-730}" HORIZON=28
TRAIN_ARGS="${SCALE_TRAIN_ARGS:---model xgboost --folds 2 --step 28}"
THREADS="${SCALE_WORKERS:-1}"
# The daemons take their as-of from the clock, as in production: the catalogue ends yesterday, so
# that its loads are fresh (a fixed end date goes stale 36 h later and every run is blocked).
END="${SCALE_END:-$(date -u -d yesterday +%F)}"
BEFORE="$(date -u -d "$END - 1 day" +%F)"
: "${DATABASE_URL:?DATABASE_URL must be set}"
# shellcheck source=ops/scripts/bench-night.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-night.sh"
bench_database forecast_bench_scale
"${ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export DATABASE_URL="$URL"
PSQL=(psql "$URL" -X -q -v ON_ERROR_STOP=1)
now() { bench_now; }
secs() { bench_secs "$@"; }

echo "bench-scale: $((ITEMS * LOCATIONS)) series x $DAYS days, horizon $HORIZON, $(nproc) cores, $THREADS worker thread(s) per daemon" >&2
"$BIN" migrate >/dev/null
t0=$(now)
"$BIN" demo-data --items "$ITEMS" --locations "$LOCATIONS" --days "$DAYS" --end "$END" --seed 3 >/dev/null 2>&1
"${PSQL[@]}" -c "VACUUM ANALYZE demand.sales"
echo "bench-scale: demo data loaded in $(secs "$t0" "$(now)") s" >&2

t0=$(now)
# shellcheck disable=SC2086
"$BIN" train --label "bench-scale" --horizon "$HORIZON" --end "$BEFORE" $TRAIN_ARGS --no-progress > "$TMP/train.out" 2>&1 \
  || { tail -5 "$TMP/train.out" >&2; exit 1; }
VERSION=$(grep -o 'registered model version [0-9.]*' "$TMP/train.out" | awk '{ print $4 }')
"$BIN" promote "$VERSION" --to production --force --reason "bench-scale: the production policy, whatever its gate" >/dev/null
echo "bench-scale: production policy $VERSION ($TRAIN_ARGS) trained in $(secs "$t0" "$(now)") s" >&2

read -r ONE_S ONE_SERIES ONE_ROWS ONE_PEAK _ _ <<< "$(bench_nightly 1 "$BEFORE")"
read -r TWO_S TWO_SERIES TWO_ROWS TWO_PEAK RUN _ <<< "$(bench_nightly 2 "$END")"

read -r READ_S WRITE_S <<< "$(bench_floor "$END" "$RUN")"
FLOOR_S=$(awk -v a="$READ_S" -v b="$WRITE_S" 'BEGIN { printf "%.2f", a + b }')

row() { awk -v s="$2" -v n="$3" -v r="$4" -v m="$5" -v d="$1" 'BEGIN { printf "%-10s %9.1f %10.0f %12.0f %14.0f\n", d, s, n / s, r / s, m / 1024 }'; }
echo
printf "%-10s %9s %10s %12s %14s\n" daemons "wall s" "series/s" "rows/s" "peak MiB/proc"
row 1 "$ONE_S" "$ONE_SERIES" "$ONE_ROWS" "$ONE_PEAK"
row 2 "$TWO_S" "$TWO_SERIES" "$TWO_ROWS" "$TWO_PEAK"
echo "floor: read ${READ_S} s + write ${WRITE_S} s = ${FLOOR_S} s (PostgreSQL alone, same rows)"
echo "2-daemon run $RUN, phases (forecast.runs.timings): $("${PSQL[@]}" -tAc "SELECT timings::text FROM forecast.runs WHERE id = $RUN")"
echo "speedup_1_to_2_daemons=$(awk -v a="$ONE_S" -v b="$TWO_S" 'BEGIN { printf "%.2f", a / b }')"
echo "ratio=$(awk -v a="$TWO_S" -v b="$FLOOR_S" 'BEGIN { printf "%.2f", a / b }')"
