#!/usr/bin/env bash
# make demo-ops: three weeks of nightly operation on the demo catalogue, simulated in a few minutes.
#   - sales land a day late (some series two days late), a few landed actuals are restated;
#   - every night: run (serves production, writes the shadow and the baseline, ends with a monitor
#     pass), evaluate (delayed actuals), retrain (works retrain requests);
#   - on day 6 the prices of one category rise 60% (planned, known in advance) and its demand halves:
#     one critical drift alert that stays one alert, retrain requests, a candidate in shadow, the
#     gate on the shadow's actuals, a promotion, the model_version change in forecast.latest;
#   - at the end a rollback, and the HTML report.
# Usage: ops/scripts/demo-ops.sh path/to/forecastctl [report-dir]
# Uses a fresh database demo_ops next to $DATABASE_URL (or on the throwaway cluster).
# DEMO_OPS_DAYS: days of history the catalogue has (default 420).
set -euo pipefail
BIN="$(realpath "$1")"
OUT="${2:-$PWD/.demo-ops}"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [[ -z "${DATABASE_URL:-}" ]]; then DATABASE_URL="$("$HERE/pg-local.sh" start)"; fi
ADMIN="$DATABASE_URL"
psql "$ADMIN" -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS demo_ops WITH (FORCE)" -c "CREATE DATABASE demo_ops"
export DATABASE_URL="${ADMIN%/*}/demo_ops"
PSQL=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
Q() { "${PSQL[@]}" -tAc "$1"; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

START=2026-11-07   # first simulated morning
DAYS=21
END=2026-11-27     # the last sales day the generator makes
# Thresholds for a demo: small segments, short windows (see README "Monitoring").
cat > "$TMP/monitoring.json" <<'JSON'
{"min_segment_series": 10, "trailing_runs": 14, "accuracy_min_days": 7, "accuracy_min_forecasts": 50,
 "retrain_every_days": 60, "drift_runs_for_retrain": 3}
JSON
# A lenient accuracy gate, so that the demo shows the stages rather than stopping at the first candidate.
cat > "$TMP/contract.json" <<'JSON'
{"accuracy": {"primary_metric": "wape", "candidate": "selected", "min_improvement": 0.0, "last_folds": 3,
              "max_abs_bias": 0.2, "no_worse_segments": [], "coverage_tolerance": 0.1}}
JSON

say() { printf '%s\n' "$*"; }
say "demo-ops: database demo_ops; $DAYS simulated nights from $START"
"$BIN" migrate >/dev/null
"$BIN" demo-data --items 40 --locations 5 --days ${DEMO_OPS_DAYS:-420} --end "$END" --seed 11 2>/dev/null | tail -1
# Sales from the first simulated day on wait in a staging table and land one night at a time.
"${PSQL[@]}" <<SQL
CREATE SCHEMA demo_ops;
CREATE TABLE demo_ops.pending AS SELECT * FROM demand.sales WHERE ds >= date '$START' - 1;
DELETE FROM demand.sales WHERE ds >= date '$START' - 1;
UPDATE demand.sales SET loaded_at = (ds + 1)::timestamp + interval '2 hours';
-- One series in ten lands a day later than the others.
CREATE TABLE demo_ops.late AS SELECT DISTINCT item_id, location_id FROM demo_ops.pending WHERE hashtext(item_id || location_id) % 10 = 0;
SQL
CATEGORY="$(Q "SELECT category FROM demand.items GROUP BY category ORDER BY count(*) DESC, category LIMIT 1")"

say "== day 0: train the first model version on data up to $(date -d "$START - 2 days" +%F) and promote it"
"$BIN" train --label "global model" --model xgboost --horizon 14 --folds 3 --step 7 --gate "$TMP/contract.json" \
  --as-of "$(date -d "$START" +%F)T04:00:00Z" --no-progress | sed -n '/^train:/p'
"$BIN" promote 1.0.0 --to production --reason "demo-ops: first version" | tail -1

last_alerts=""
promoted=""
for ((i = 0; i < DAYS; i++)); do
  DAY="$(date -d "$START + $i days" +%F)"
  CUTOFF="$(date -d "$DAY - 1 day" +%F)"
  ASOF="${DAY}T04:00:00Z"
  # Land yesterday's sales (late series: the day before's), stamped with this night's load time.
  LANDED="$(Q "WITH landed AS (
      DELETE FROM demo_ops.pending p
      WHERE (p.ds = date '$CUTOFF' AND NOT EXISTS (SELECT 1 FROM demo_ops.late l WHERE (l.item_id, l.location_id) = (p.item_id, p.location_id)))
         OR (p.ds = date '$CUTOFF' - 1 AND EXISTS (SELECT 1 FROM demo_ops.late l WHERE (l.item_id, l.location_id) = (p.item_id, p.location_id)))
      RETURNING p.*)
    INSERT INTO demand.sales (item_id, location_id, ds, qty, loaded_at)
    SELECT item_id, location_id, ds, qty, timestamp '$DAY 02:00' FROM landed RETURNING 1" | wc -l)"
  NOTE="landed $LANDED sales rows"
  if (( i % 5 == 3 )); then
    RESTATED="$(Q "UPDATE demand.sales SET qty = qty + 3, loaded_at = timestamp '$DAY 02:00'
                   WHERE ds = date '$CUTOFF' - 3 AND hashtext(item_id || location_id) % 20 = 1 RETURNING 1" | wc -l)"
    NOTE="$NOTE, $RESTATED restated"
  fi
  if (( i == 5 )); then
    # The prices of one category rise 60% from tomorrow (announced tonight); its demand halves.
    Q "INSERT INTO demand.prices (item_id, location_id, ds, price, known_at)
       SELECT DISTINCT ON (p.item_id, p.location_id) p.item_id, p.location_id, date '$DAY', round((p.price * 1.6)::numeric, 2), timestamp '$CUTOFF 12:00'
       FROM demand.prices p JOIN demand.items i ON i.item_id = p.item_id AND i.category = '$CATEGORY' AND i.valid_to IS NULL
       WHERE p.ds <= date '$DAY' ORDER BY p.item_id, p.location_id, p.ds DESC" >/dev/null
    Q "UPDATE demo_ops.pending p SET qty = round(qty * 0.5) FROM demand.items i
       WHERE i.item_id = p.item_id AND i.category = '$CATEGORY' AND p.ds >= date '$DAY'" >/dev/null
    NOTE="$NOTE; INJECTED: prices of category $CATEGORY +60% from $DAY, its demand halves"
  fi
  RUN_OUT="$("$BIN" run --cutoff "$CUTOFF" --as-of "$ASOF" --monitor-thresholds "$TMP/monitoring.json" --no-progress 2>"$TMP/run.err")"
  RUN_ID="$(printf '%s\n' "$RUN_OUT" | awk '/^run [0-9]+ published/ {print $2}')"
  EVAL="$("$BIN" evaluate | head -1 | sed 's/^evaluate: pass [0-9]*: //; s/ in [0-9.]* s$//')"
  SERVED="$(Q "SELECT min(model_version) FROM forecast.latest")"
  SHADOW="$(Q "SELECT coalesce((SELECT v.version FROM forecast.runs r JOIN forecast.model_versions v ON v.id = r.shadow_version_id WHERE r.id = $RUN_ID), '-')")"
  say "== $DAY: $NOTE"
  say "   run $RUN_ID (cutoff $CUTOFF): latest serves $SERVED, shadow $SHADOW; evaluate: $EVAL"
  ALERTS="$(Q "SELECT string_agg(tier || ' ' || rule || ' [' || scope || '] x' || occurrences, '; ' ORDER BY id) FROM forecast.alerts WHERE status = 'open'")"
  if [[ "$ALERTS" != "$last_alerts" ]]; then say "   open alerts: ${ALERTS:-none}"; last_alerts="$ALERTS"; fi
  REQUESTS="$(Q "SELECT string_agg(rule || ': ' || reason, '; ') FROM forecast.retrain_requests WHERE state = 'available'")"
  if [[ -n "$REQUESTS" ]]; then
    say "   retrain requested: $REQUESTS"
    "$BIN" retrain 2>&1 | sed 's/^/   /'
  fi
  # A shadow with a week of landed actuals goes to production through the gate.
  CANDIDATE="$(Q "SELECT v.version FROM forecast.model_stages s JOIN forecast.model_versions v ON v.id = s.model_version_id
                  WHERE s.stage = 'shadow' AND s.changed_at < (SELECT max(created_at) FROM forecast.runs) -- at least one shadow run
                    AND (SELECT count(DISTINCT e.ds) FROM forecast.evaluations e JOIN forecast.runs r ON r.id = e.run_id
                         WHERE e.role = 'shadow' AND r.shadow_version_id = v.id) >= 5")"
  if [[ -n "$CANDIDATE" && -z "$promoted" ]]; then
    say "   shadow $CANDIDATE has 5 days of actuals: promote it (gate on the backtest and on the shadow's actuals)"
    if "$BIN" promote "$CANDIDATE" --to production --reason "demo-ops: better on the shadow's actuals" > "$TMP/promote.out" 2>&1; then
      sed 's/^/   /' "$TMP/promote.out" | grep -v "^   -\|^   gate check"
      promoted="$CANDIDATE"
    else
      say "   the gate kept $CANDIDATE out of production:"; sed 's/^/   /' "$TMP/promote.out" | tail -3
      promoted="blocked"
    fi
  fi
done

say "== $(date -d "$START + $DAYS days" +%F): the new version misbehaves for the planners: roll back and rerun cutoff $CUTOFF"
"$BIN" rollback --reason "demo-ops: planners prefer the previous version" | sed 's/^/   /'
"$BIN" run --cutoff "$CUTOFF" --as-of "$(date -d "$START + $DAYS days" +%F)T05:00:00Z" --force \
  --monitor-thresholds "$TMP/monitoring.json" --no-progress 2>/dev/null | sed -n 's/^/   /; /model /p; /^   run /p'
say "   forecast.latest now serves $(Q "SELECT min(model_version) FROM forecast.latest")"
say "== accuracy over the last 4 weeks (forecast.accuracy_4w)"
"${PSQL[@]}" -c "SELECT role, segment, forecasts, round(100 * wape::numeric, 1) AS wape_pct, round(100 * bias::numeric, 1) AS bias_pct, model_versions
                 FROM forecast.accuracy_4w WHERE segment_kind = 'all' OR (segment_kind = 'category' AND segment = '$CATEGORY') ORDER BY segment, role"
say "== alerts (forecast.alerts)"
"${PSQL[@]}" -c "SELECT tier, rule, scope, status, occurrences, to_char(first_seen, 'HH24:MI:SS') AS first_seen FROM forecast.alerts ORDER BY id"
"$BIN" report --out "$OUT"
say "demo-ops: done; open $OUT/index.html"
