#!/usr/bin/env bash
# make bench-weekly: a weekly backtest of 1,000 synthetic series x 120 weeks (weekly source rows
# dated on Mondays), 12 origins two weeks apart, horizons 1-3, timed end to end including the
# database reads and writes. Prints weekly_backtest_seconds=<x> (target: <= 20 s) for the default
# model list of `forecastctl backtest` plus the log1p variants, then the time of the opt-in
# XGBoost[L1] variant on its own (absolute error in XGBoost 1.7 is the slowest objective).
# Usage: ops/scripts/bench-weekly.sh path/to/forecastctl   (DATABASE_URL must be set)
set -euo pipefail
BIN="$1"
END=2026-11-22
MODELS="${BENCH_MODELS:-seasonal_naive,naive,moving_average,ses,croston,croston_sba,tsb,auto_ets,auto_ets:log1p,auto_theta,auto_theta:log1p,ensemble,xgboost,price_regression,combination}"
ARGS=(--frequency week --end "$END" --as-of 2026-11-23T06:00:00Z --folds 12 --step 2 --horizon 3 --window 4 --no-progress)
"$BIN" migrate >/dev/null
"$BIN" demo-data --items 100 --locations 10 --days 840 --end "$END" --seed 5 --frequency week 2>/dev/null | head -2
# CPU seconds (user + system) of this shell's finished children, from /proc: the backtest's own
# CPU next to its wall time (on shared cores the wall time moves with the neighbours' load).
children_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$$/stat"; }
c0=$(children_cpu)
t0=$(date +%s.%N)
"$BIN" backtest "${ARGS[@]}" --models "$MODELS" | sed -n '1,21p'
t1=$(date +%s.%N)
c1=$(children_cpu)
"$BIN" backtest "${ARGS[@]}" --models seasonal_naive,xgboost:l1 | sed -n '5,6p'
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v m="$MODELS" -v cpu0="$c0" -v cpu1="$c1" 'BEGIN {
  printf "weekly_backtest_seconds=%.1f (target <= 20; models: %s)\n", b - a, m
  printf "weekly_backtest_cpu_seconds=%.1f (forecastctl user + system; PostgreSQL not included)\n", cpu1 - cpu0
  printf "weekly_backtest_l1_variant_seconds=%.1f (seasonal_naive,xgboost:l1 on their own)\n", c - b }'
