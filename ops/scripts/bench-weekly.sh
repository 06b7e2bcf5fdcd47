#!/usr/bin/env bash
# make bench-weekly: a weekly backtest of 1,000 synthetic series x 120 weeks (weekly source rows
# dated on Mondays), 12 origins two weeks apart, horizons 1-3, every model, timed end to end
# including the database reads and writes. Prints weekly_backtest_seconds=<x> (target: <= 20 s).
# Usage: ops/scripts/bench-weekly.sh path/to/forecastctl   (DATABASE_URL must be set)
set -euo pipefail
BIN="$1"
END=2026-11-22
MODELS="seasonal_naive,naive,moving_average,ses,croston,croston_sba,tsb,auto_ets,auto_ets:log1p,auto_theta,auto_theta:log1p,ensemble,xgboost,xgboost:l1"
"$BIN" migrate >/dev/null
"$BIN" demo-data --items 100 --locations 10 --days 840 --end "$END" --seed 5 --frequency week 2>/dev/null | head -2
t0=$(date +%s.%N)
"$BIN" backtest --frequency week --end "$END" --as-of 2026-11-23T06:00:00Z --folds 12 --step 2 --horizon 3 --window 4 \
  --models "$MODELS" --no-progress | sed -n '1,22p'
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "weekly_backtest_seconds=%.1f (target <= 20, every model: '"$MODELS"')\n", b - a }'
