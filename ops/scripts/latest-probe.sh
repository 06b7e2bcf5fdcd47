#!/usr/bin/env bash
# The read path of a database as it stands: forecast.latest by one item and by one location, each
# against the same rows read from a plain table with an index on that column (the floor: what the
# rows cost without the view, the partitions and the served-run lookup). Mean latency per query over
# LATEST_SECONDS (default 4) with pgbench, planned per query like ad-hoc SQL. Used by
# bench-million.sh at a million series; works on any migrated database with a published run.
# Usage: ops/scripts/latest-probe.sh DATABASE_URL
set -euo pipefail
URL="$1"
SECONDS_PER_QUERY="${LATEST_SECONDS:-4}"
PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)"
PSQL=(psql "$URL" -X -q -v ON_ERROR_STOP=1)
ITEM=$("${PSQL[@]}" -tAc "SELECT item_id FROM forecast.latest LIMIT 1")
LOC=$("${PSQL[@]}" -tAc "SELECT location_id FROM forecast.latest LIMIT 1")
[[ -n "$ITEM" ]] || { echo "latest-probe: nothing is served" >&2; exit 1; }
"${PSQL[@]}" -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.latest_floor" \
  -c "CREATE TABLE public.latest_floor AS SELECT * FROM forecast.latest" \
  -c "CREATE INDEX ON public.latest_floor (item_id)" -c "CREATE INDEX ON public.latest_floor (location_id)" \
  -c "VACUUM ANALYZE public.latest_floor"
time_query() { # sql -> mean latency in ms
  local f; f=$(mktemp)
  printf '%s\n' "$1" > "$f"
  "$PGBENCH" -n -M simple -f "$f" -T "$SECONDS_PER_QUERY" -c 1 "$URL" 2>/dev/null | awk '/latency average/ { print $4 }'
  rm -f "$f"
}
q() { printf "SELECT * FROM %s WHERE %s = '%s'" "$1" "$2" "$3"; }
printf "%-12s %8s %12s %10s %8s\n" query rows "latest ms" "floor ms" ratio
for k in item location; do
  value=$ITEM; [[ $k == location ]] && value=$LOC
  rows=$("${PSQL[@]}" -tAc "SELECT count(*) FROM forecast.latest WHERE ${k}_id = '$value'")
  a=$(time_query "$(q forecast.latest "${k}_id" "$value")")
  b=$(time_query "$(q public.latest_floor "${k}_id" "$value")")
  printf "%-12s %8s %12s %10s %8s\n" "by_$k" "$rows" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
done
echo "(served runs: $("${PSQL[@]}" -tAc "SELECT count(*) FROM forecast.runs WHERE status = 'published'") published; floor: the served rows in a plain indexed table)"
"${PSQL[@]}" -c "DROP TABLE public.latest_floor"
