#!/usr/bin/env bash
# make bench-accuracy: our backtest next to statsforecast (a benchmark-only dependency, installed
# into .venv-bench from PyPI) on the same demo data and folds; prints one table.
# Usage: ops/scripts/bench-accuracy.sh path/to/forecastctl   (DATABASE_URL must be set)
set -euo pipefail
BIN="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ITEMS="${BENCH_ITEMS:-50}"
LOCATIONS="${BENCH_LOCATIONS:-4}"
DAYS="${BENCH_DAYS:-730}"
END=2026-11-27
ASOF=2026-11-28T06:00:00Z
VENV="$ROOT/.venv-bench"
: "${DATABASE_URL:?DATABASE_URL must be set}"
PSQL=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "bench-accuracy: creating $VENV (statsforecast from PyPI, benchmark only)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "statsforecast==2.1.1"
fi

"$BIN" migrate >/dev/null
"$BIN" demo-data --items "$ITEMS" --locations "$LOCATIONS" --days "$DAYS" --end "$END" --seed 3 2>/dev/null | head -1

now() { date +%s.%N; }
declare -A SECONDS_BY
run_backtest() { # name models [extra backtest options...]
  local name="$1" models="$2"; shift 2
  local t0; t0=$(now)
  "$BIN" backtest --as-of "$ASOF" --end "$END" --folds 4 --step 7 --horizon 28 --models "$models" --no-progress "$@" \
    > "$WORK/$name.txt" 2> "$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
  # The same snapshot's contract warnings come with every backtest: print them once.
  [[ -n "${WARNED:-}" ]] || { cat "$WORK/$name.err" >&2; WARNED=1; }
  SECONDS_BY[$name]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
}
run_backtest SeasonalNaive seasonal_naive
# statsforecast re-selects AutoETS in every window: compare like with like (every-fold), and show
# the default first-fold mode (structure chosen at the oldest cutoff, re-estimated later) beside it.
run_backtest AutoETS auto_ets --structure-selection every-fold
run_backtest AutoETSFirstFold auto_ets --structure-selection first-fold
BT_FIRST=$("${PSQL[@]}" -tAc "SELECT max(id) FROM forecast.backtests WHERE status = 'finished'")
run_backtest AutoTheta auto_theta
run_backtest CrostonSBA croston_sba
run_backtest TSB tsb
run_backtest XGBoost xgboost
run_backtest all "${BENCH_ALL_MODELS:-seasonal_naive,naive,moving_average,ses,croston,croston_sba,tsb,auto_ets,auto_theta,ensemble,xgboost,price_regression,combination}" --structure-selection every-fold
BT=$("${PSQL[@]}" -tAc "SELECT max(id) FROM forecast.backtests WHERE status = 'finished'")

"${PSQL[@]}" -c "\\copy (SELECT r.model_name AS model, r.item_id || '/' || r.location_id AS unique_id, r.cutoff, r.ds, r.yhat, r.actual, r.demand_class AS class FROM forecast.backtest_results r WHERE r.backtest_id = $BT ORDER BY 1, 2, 3, 4) TO '$WORK/ours.csv' CSV HEADER"
"${PSQL[@]}" -c "\\copy (SELECT r.model_name AS model, r.item_id || '/' || r.location_id AS unique_id, r.cutoff, r.ds, r.yhat, r.actual, r.demand_class AS class FROM forecast.backtest_results r WHERE r.backtest_id = $BT_FIRST ORDER BY 1, 2, 3, 4) TO '$WORK/first.csv' CSV HEADER"
"${PSQL[@]}" -c "\\copy (SELECT s.item_id || '/' || s.location_id AS unique_id, d::date AS ds, coalesce(x.qty, 0) AS y FROM forecast.backtest_series s CROSS JOIN LATERAL (SELECT min(ds) AS first FROM demand.sales WHERE item_id = s.item_id AND location_id = s.location_id) f CROSS JOIN LATERAL generate_series(f.first, date '$END', interval '1 day') d LEFT JOIN demand.sales x ON x.item_id = s.item_id AND x.location_id = s.location_id AND x.ds = d::date WHERE s.backtest_id = $BT ORDER BY 1, 2) TO '$WORK/sales.csv' CSV HEADER"
"${PSQL[@]}" -tAc "SELECT json_build_object(
    'seconds', json_build_object('SeasonalNaive(7)', ${SECONDS_BY[SeasonalNaive]}, 'AutoETS', ${SECONDS_BY[AutoETS]}, 'AutoTheta', ${SECONDS_BY[AutoTheta]}, 'CrostonSBA', ${SECONDS_BY[CrostonSBA]}, 'TSB(0.1,0.1)', ${SECONDS_BY[TSB]}, 'XGBoost', ${SECONDS_BY[XGBoost]},
                             'Median(AutoETS,SES(0.1),SeasonalNaive(7),MovingAverage(28))', ${SECONDS_BY[all]}),
    'selected_seconds', ${SECONDS_BY[all]},
    'first_fold_seconds', ${SECONDS_BY[AutoETSFirstFold]},
    'conformal_coverage', (SELECT json_object_agg(model_name, cross_fold_coverage) FROM forecast.interval_calibrations WHERE backtest_id = $BT),
    'selection', (SELECT json_object_agg(segment, model_name) FROM forecast.model_selections WHERE backtest_id = $BT))" > "$WORK/ours.json"
OMP_NUM_THREADS=1 "$VENV/bin/python" "$ROOT/ops/bench/accuracy.py" "$WORK"
