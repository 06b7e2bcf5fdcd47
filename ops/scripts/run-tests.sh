#!/usr/bin/env bash
# make test: every test, in four test processes at once on one build (each process has its own
# thread pool, so the idle waits of one do not hold the CPU of the others):
#   exclusive  IntegrationTests.Exclusive (cluster, ports) and IntegrationTests.Timed (timing): each
#              one test at a time, the two side by side
#   cron       the pg_cron test (it waits for minute boundaries), in a pool of its own
#   a          integration suites A-P but that one, in parallel
#   b          everything else: integration suites Q-Z and the tests that need no database
# then, by itself, IntegrationTests.Alone (the cluster's roles renamed away for a while; the hot
# standby and the runbook drills, which need a quiet cluster).
# Each process's output is kept and printed whole, in that order, when all have ended; the last
# line gives the seconds of tests and each exit status. Exit 1 if any process failed.
# Usage: ops/scripts/run-tests.sh path/to/demand-forecastPackageTests.xctest
# (TEST_DATABASE_URL and FORECASTCTL_BIN set, as the Makefile does)
set -uo pipefail
TESTS="$1"
: "${TEST_DATABASE_URL:?TEST_DATABASE_URL is not set}" "${FORECASTCTL_BIN:?FORECASTCTL_BIN is not set}"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
names=() statuses=() pids=()
failed=0
# launch NAME ARGS...: one test process in the background (--filter/--skip patterns), its output in $logs/NAME.
launch() {
  local name="$1"
  shift
  "$TESTS" --testing-library swift-testing "$@" >"$logs/$name" 2>&1 &
  names+=("$name")
  pids+=($!)
}
# settle: wait for every launched process not yet waited for, recording its status.
settle() {
  local i status
  for (( i = ${#statuses[@]}; i < ${#pids[@]}; i++ )); do
    status=0
    wait "${pids[$i]}" || status=$?
    statuses+=("${names[$i]}=$status")
    [[ $status -eq 0 ]] || failed=1
  done
}
start=$(date +%s)
launch exclusive --filter 'IntegrationTests\.(Exclusive|Timed)'
# pg_cron fires at minute boundaries: its test mostly waits, and in a pool busy with the others its
# waits resumed late (143-182 s). In a process of its own it waits beside them.
launch cron --filter 'IntegrationTests\.Integration/PgCronTests'
launch a --filter 'IntegrationTests\.Integration/[A-P]' --skip 'IntegrationTests\.Integration/PgCronTests'
launch b --skip 'IntegrationTests\.(Exclusive|Timed|Alone)|IntegrationTests\.Integration/[A-P]'
echo "run-tests: ${#names[@]} test processes started (${names[*]}); their output follows when all have ended" >&2
settle
launch alone --filter 'IntegrationTests\.Alone'
settle
for name in "${names[@]}"; do
  echo "== test process '$name'"
  cat "$logs/$name"
done
echo "make test: $(( $(date +%s) - start )) s of tests; exit status per process: ${statuses[*]}"
exit $failed
