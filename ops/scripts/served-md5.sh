#!/usr/bin/env bash
# Fingerprints of what a build serves, to show that a change kept the rows (issue 30's
# constraint): on a fixed catalogue and fixed dates, the demo's path (backtest, train with a
# per-class selection, promote, run from the stored version) and `make bench`'s path (a run with
# the default model), then md5 over the rows without their run ids and timestamps.
# Usage: ops/scripts/served-md5.sh path/to/forecastctl   (DATABASE_URL: an empty database it may fill)
# Prints one line per fingerprint: `md5 <what> <rows> <md5>`.
set -euo pipefail
BIN="$1"
END=2026-11-27
ASOF=2026-11-28T06:00:00Z
MODELS=seasonal_naive,ses,croston_sba,tsb,auto_theta,xgboost,price_regression,combination
: "${DATABASE_URL:?DATABASE_URL must be set}"
PSQL=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -tA)

"$BIN" migrate >/dev/null
"$BIN" demo-data --items 40 --locations 5 --days 730 --end "$END" --seed 42 >/dev/null 2>&1
fingerprint() { # what, query of rows in a fixed order
    "${PSQL[@]}" -c "SELECT 'md5 $1 ' || count(*) || ' ' || md5(coalesce(string_agg(r::text, E'\n' ORDER BY k), '')) FROM ($2) q(k, r)"
}

# make bench's path: the default model, no registry.
"$BIN" run --cutoff "$END" --as-of "$ASOF" --horizon 28 --workers 2 --force --no-progress >/dev/null
fingerprint run-default "SELECT (item_id, location_id, ds), (item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper, interval_level, model_name)
  FROM forecast.forecasts WHERE run_id = (SELECT max(id) FROM forecast.runs WHERE status = 'published')"

# The demo's path: backtest, train a per-class selection, promote it, run from the stored version.
"$BIN" backtest --end "$END" --as-of "$ASOF" --folds 3 --models "$MODELS" --no-progress >/dev/null
fingerprint backtest "SELECT (model_name, fold, item_id, location_id, ds), (model_name, served_model, fold, cutoff, item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper, actual)
  FROM forecast.backtest_results WHERE backtest_id = (SELECT max(id) FROM forecast.backtests)"
"$BIN" train --label fingerprint --candidates "$MODELS" --horizon 28 --folds 3 --end "$END" --as-of "$ASOF" --no-progress >/dev/null
VERSION="$("${PSQL[@]}" -c "SELECT version FROM forecast.model_versions ORDER BY id DESC LIMIT 1")"
"$BIN" promote "$VERSION" --to production --force --reason "fingerprint (gate not judged here)" >/dev/null
"$BIN" run --cutoff "$END" --as-of "$ASOF" --workers 2 --force --no-progress >/dev/null
fingerprint run-selected "SELECT (item_id, location_id, ds), (item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper, interval_level, model_name)
  FROM forecast.forecasts WHERE run_id = (SELECT max(id) FROM forecast.runs WHERE status = 'published')"
