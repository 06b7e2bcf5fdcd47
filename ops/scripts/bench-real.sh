#!/usr/bin/env bash
# make bench-real: weekly backtests on two real retail panels (Debian r-cran-bayesm: cheese, tuna)
# loaded through demand.*-shaped schemas, next to statsforecast and LightGBM references fitted on
# the same cutoffs (benchmark-only dependencies in .venv-bench, from PyPI). Prints one table per
# dataset and `selected_vs_best_reference=<x>`. orangeJuice (same package) is a holdout: not read.
# Usage: ops/scripts/bench-real.sh path/to/forecastctl   (DATABASE_URL must be set)
set -euo pipefail
BIN="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv-bench"
DATA="$ROOT/.bench-data"
MODELS="${BENCH_MODELS:-seasonal_naive,naive,moving_average,ses,croston_sba,tsb,auto_ets,auto_ets:log1p,auto_theta,auto_theta:log1p,xgboost,xgboost:l1,xgboost:log,xgboost:log_depth,xgboost:log_cat,price_regression,combination,combination:xgboost:log_depth+xgboost:log_cat+price_regression}"
: "${DATABASE_URL:?DATABASE_URL must be set}"
PSQL=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
WORK="$(mktemp -d)"
[[ -n "${BENCH_KEEP:-}" ]] || trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"

if ! "$VENV/bin/python" -c "import statsforecast, rdata, lightgbm" 2>/dev/null; then
  echo "bench-real: installing statsforecast, rdata and lightgbm into $VENV (benchmark only)" >&2
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "statsforecast==2.1.1" rdata lightgbm
fi
RDA="$DATA/bayesm/usr/lib/R/site-library/bayesm/data"
if [[ ! -f "$RDA/cheese.rda" ]]; then
  echo "bench-real: fetching Debian's r-cran-bayesm (data only)" >&2
  mkdir -p "$DATA" && (cd "$DATA" && (apt-get download r-cran-bayesm 2>/dev/null || (apt-get update -qq && apt-get download r-cran-bayesm)) \
    && dpkg-deb -x r-cran-bayesm_*.deb bayesm)
fi

"$BIN" migrate >/dev/null
run_dataset() { # name folds
  local name="$1" folds="$2" out="$WORK/$1"
  "$VENV/bin/python" "$ROOT/ops/bench/real_data.py" "$RDA" "$name" "$out"
  "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $name CASCADE; CREATE SCHEMA $name;"
  for t in sales items locations calendar prices promotions inventory; do
    "${PSQL[@]}" -c "CREATE TABLE $name.$t (LIKE demand.$t INCLUDING ALL)" -c "\\copy $name.$t FROM '$out/$t.csv' CSV"
  done
  "${PSQL[@]}" -c "ANALYZE"
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" backtest --input-schema "$name" --frequency week --end 2026-11-22 --as-of 2026-11-23T06:00:00Z \
    --folds "$folds" --step 2 --horizon 3 --window 4 --models "$MODELS" --no-progress > "$out/backtest.txt"
  t1=$(date +%s.%N)
  echo "{\"seconds\": $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')}" > "$out/seconds.json"
  local bt
  bt=$("${PSQL[@]}" -tAc "SELECT max(id) FROM forecast.backtests WHERE status = 'finished'")
  "${PSQL[@]}" -c "\\copy (SELECT model_name AS model, item_id, location_id, fold, cutoff, ds, yhat, actual FROM forecast.backtest_results WHERE backtest_id = $bt) TO '$out/ours.csv' CSV HEADER"
  sed -n '1,3p' "$out/backtest.txt"
}
run_dataset cheese 8
run_dataset tuna 12
BENCH_DATA="$DATA" OMP_NUM_THREADS=1 "$VENV/bin/python" "$ROOT/ops/bench/real_bench.py" "$WORK" cheese tuna
