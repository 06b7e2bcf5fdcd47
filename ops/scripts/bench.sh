#!/usr/bin/env bash
# make bench: end-to-end `forecastctl run` on a 10k-series x 730-day demo catalogue against a
# Postgres-only reference measured in the same run on the same data:
#   reference = binary COPY OUT of the same input rows + binary COPY IN of the same number of
#               forecast rows (same table shape) - the floor any pipeline on this server pays.
# Prints both times and ends with `ratio=<run/reference>`. Replaces the demand.* data.
# Usage: ops/scripts/bench.sh path/to/forecastctl   (DATABASE_URL must be set)
set -euo pipefail
BIN="$1"
ITEMS="${BENCH_ITEMS:-1000}"
LOCATIONS="${BENCH_LOCATIONS:-10}"
DAYS="${BENCH_DAYS:-730}"
HORIZON="${BENCH_HORIZON:-28}"
WORKERS="${BENCH_WORKERS:-2}"
END=2026-11-27
ASOF=2026-11-28T06:00:00Z
: "${DATABASE_URL:?DATABASE_URL must be set}"
PSQL=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "bench: $((ITEMS * LOCATIONS)) series x $DAYS days, horizon $HORIZON, $WORKERS workers, $(nproc) cores"
"$BIN" migrate >/dev/null
"$BIN" demo-data --items "$ITEMS" --locations "$LOCATIONS" --days "$DAYS" --end "$END" --seed 1 2>/dev/null
"${PSQL[@]}" -c "VACUUM ANALYZE demand.sales"

# Warm the cache the same way for both sides.
"${PSQL[@]}" -c "\\copy (SELECT item_id, location_id, ds, qty FROM demand.sales WHERE ds <= '$END') TO '/dev/null' (FORMAT binary)"

# Ours, end to end: contracts, planning, reading, forecasting, writing, output checks, publish.
t0=$(now)
"$BIN" run --cutoff "$END" --as-of "$ASOF" --horizon "$HORIZON" --workers "$WORKERS" --force --no-progress > "$TMP/run.out"
t1=$(now)
RUN_S=$(secs "$t0" "$t1")
cat "$TMP/run.out"
RUN_ID=$("${PSQL[@]}" -tAc "SELECT max(id) FROM forecast.runs WHERE status = 'published'")
ROWS=$("${PSQL[@]}" -tAc "SELECT row_count FROM forecast.runs WHERE id = $RUN_ID")
SALES=$("${PSQL[@]}" -tAc "SELECT (manifest -> 'sales' ->> 'rows') FROM forecast.runs WHERE id = $RUN_ID")
"${PSQL[@]}" -tAc "SELECT 'bench: run timings ' || timings::text FROM forecast.runs WHERE id = $RUN_ID"

# Reference 1: PostgreSQL reads the same input rows (binary COPY OUT, ordered by series).
t0=$(now)
"${PSQL[@]}" -c "\\copy (SELECT item_id, location_id, ds, qty FROM demand.sales WHERE ds <= '$END' AND loaded_at <= '$ASOF' ORDER BY item_id, location_id, ds) TO '/dev/null' (FORMAT binary)"
t1=$(now)
READ_S=$(secs "$t0" "$t1")

# Reference 2: PostgreSQL ingests the same number of forecast rows (binary COPY IN, same table shape and key).
"${PSQL[@]}" -c "DROP TABLE IF EXISTS public.bench_forecasts; CREATE UNLOGGED TABLE public.bench_forecasts (LIKE forecast.forecasts INCLUDING ALL); ALTER TABLE public.bench_forecasts SET LOGGED"
"${PSQL[@]}" -c "\\copy (SELECT item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper, interval_level, model_name, model_version, run_id + 1000000, cutoff, generated_at FROM forecast.forecasts WHERE run_id = $RUN_ID) TO '$TMP/out.bin' (FORMAT binary)"
t0=$(now)
"${PSQL[@]}" -c "\\copy public.bench_forecasts FROM '$TMP/out.bin' (FORMAT binary)"
t1=$(now)
WRITE_S=$(secs "$t0" "$t1")
"${PSQL[@]}" -c "DROP TABLE public.bench_forecasts"

REF_S=$(awk -v a="$READ_S" -v b="$WRITE_S" 'BEGIN { printf "%.3f", a + b }')
echo
echo "bench: input rows read        $SALES"
echo "bench: forecast rows written  $ROWS"
echo "bench: forecastctl run        ${RUN_S} s"
echo "bench: reference read         ${READ_S} s (binary COPY OUT of the input rows)"
echo "bench: reference write        ${WRITE_S} s (binary COPY IN of $ROWS rows into a forecasts-shaped table)"
echo "bench: reference total        ${REF_S} s"
echo "ratio=$(awk -v a="$RUN_S" -v b="$REF_S" 'BEGIN { printf "%.2f", a / b }')"
