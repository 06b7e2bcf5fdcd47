# Sourced by bench-scale.sh and bench-million.sh: the benchmark's database, one nightly run taken
# by worker daemons, and the PostgreSQL-only floor for the same rows. bench_nightly expects BIN,
# URL, PSQL (an array), TMP, HORIZON and THREADS; it fills PIDS (the daemons, for the cleanup).

# The benchmark's own database beside DATABASE_URL's: sets DB, ADMIN (psql on DATABASE_URL), URL
# (the benchmark database's), TMP (a scratch folder) and PIDS, and on exit stops the daemons,
# removes TMP and drops the database (kept with BENCH_KEEP=1). Creating it is the caller's.
bench_database() { # name
  DB="$1"
  ADMIN=(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
  local base="${DATABASE_URL%%\?*}" query="${DATABASE_URL#"${DATABASE_URL%%\?*}"}"
  URL="${base%/*}/$DB$query"
  TMP="$(mktemp -d)"
  chmod 755 "$TMP"
  PIDS=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
  [[ -n "${BENCH_KEEP:-}" ]] || "${ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}

bench_now() { date +%s.%N; }
bench_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# One nightly run by N daemons: enqueue by SQL, wait for publish, then for the request to finish
# (the coordinator's monitor pass). Prints "wall_to_published series rows peak_kib run monitor_s".
bench_nightly() { # daemons cutoff
  local n="$1" cutoff="$2" i request status t0 t1 peak=0
  PIDS=()
  for i in $(seq 1 "$n"); do
    "$BIN" worker --workers "$THREADS" --poll-seconds 1 --verbose > "$TMP/daemon-$n-$cutoff-$i.log" 2>&1 &
    PIDS+=($!)
  done
  sleep 2
  t0=$(bench_now)
  request=$("${PSQL[@]}" -tAc "SELECT forecast.enqueue_run('$cutoff', 'day', $HORIZON)")
  # Wait in one session (a psql per poll took ~8% of the 2 cores: Debian's psql is a Perl wrapper,
  # and each poll was a new connection). Each pass commits, so the waiting session holds no snapshot.
  # A request that failed before its run was linked (e.g. blocked by a contract) counts as failed.
  bench_wait_for "$request" "r.status IN ('published', 'failed')"
  t1=$(bench_now)
  status=$("${PSQL[@]}" -tAc "SELECT CASE WHEN q.state = 'failed' THEN 'failed' ELSE coalesce(r.status, 'waiting') END FROM forecast.run_requests q LEFT JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = $request")
  [[ "$status" == "published" ]] || {
    echo "bench: the run failed: $("${PSQL[@]}" -tAc "SELECT coalesce(r.error, q.error) FROM forecast.run_requests q LEFT JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = $request")" >&2
    tail -5 "$TMP"/daemon-"$n"-"$cutoff"-*.log >&2
    exit 1
  }
  bench_wait_for "$request" "q.state = 'completed'"
  for p in "${PIDS[@]}"; do
    local hwm; hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    (( hwm > peak )) && peak=$hwm
    kill -TERM "$p"
  done
  wait "${PIDS[@]}" 2>/dev/null || true
  PIDS=()
  # Where each daemon's peak came from: the peak its own log lines give at each phase (stderr).
  for i in $(seq 1 "$n"); do
    bench_memory_phases "$TMP/daemon-$n-$cutoff-$i.log" "daemon $i of $n, $cutoff" >&2
  done
  local run; run=$("${PSQL[@]}" -tAc "SELECT run_id FROM forecast.run_requests WHERE id = $request")
  # The monitor pass: from publishing to the coordinator's finishing the request (the database's
  # timestamps; the wait above only says when it could be seen).
  local monitor; monitor=$("${PSQL[@]}" -tAc "SELECT round(extract(epoch FROM q.finished_at - r.published_at)::numeric, 2)
    FROM forecast.run_requests q JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = $request")
  echo "$(bench_secs "$t0" "$t1") $("${PSQL[@]}" -tAc "SELECT series_count || ' ' || row_count FROM forecast.runs WHERE id = $run") $peak $run $monitor"
}

# One daemon's peak resident memory (MiB) as its log lines report it (`peak_mib`, ProcessMemory):
# after planning, after its first and last work item, after publishing, after the monitor pass.
bench_memory_phases() { # log label
  local phase line out=""
  for phase in "planned run" "work item done:first" "work item done:last" "run published" "monitor pass done"; do
    case "$phase" in
      *:first) line=$(grep -F "${phase%:*}" "$1" | head -1) ;;
      *:last) line=$(grep -F "${phase%:*}" "$1" | tail -1) ;;
      *) line=$(grep -F "$phase" "$1" | grep -F 'peak_mib' | tail -1) ;;
    esac
    [[ -n "$line" ]] && out+="${out:+, }${phase/work item done:/item } $(grep -o 'peak_mib=[0-9]*' <<< "$line" | cut -d= -f2)"
  done
  echo "bench: $2 memory peak (MiB) by phase: ${out:-no phase lines}"
}

bench_wait_for() { # request condition-on-q-and-r
  "${PSQL[@]}" -c "DO \$\$ BEGIN
      LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM forecast.run_requests q LEFT JOIN forecast.runs r ON r.id = q.run_id
                          WHERE q.id = $1 AND (q.state = 'failed' OR $2));
        COMMIT;
        PERFORM pg_sleep(0.1);
      END LOOP;
    END \$\$"
}

# The floor: PostgreSQL alone reads the same input rows (binary COPY OUT, in the workers' order) and
# ingests the same number of forecast rows (binary COPY IN of the run's rows into a like table).
# Prints "read_s write_s".
bench_floor() { # end run
  local t0 read_s write_s
  "${PSQL[@]}" -c "\\copy (SELECT item_id, location_id, ds, qty FROM demand.sales WHERE ds <= '$1') TO '/dev/null' (FORMAT binary)"
  t0=$(bench_now)
  "${PSQL[@]}" -c "\\copy (SELECT item_id, location_id, ds, qty FROM demand.sales WHERE ds <= '$1' ORDER BY item_id, location_id, ds) TO '/dev/null' (FORMAT binary)"
  read_s=$(bench_secs "$t0" "$(bench_now)")
  "${PSQL[@]}" -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.bench_forecasts" -c "CREATE TABLE public.bench_forecasts (LIKE forecast.forecasts INCLUDING ALL)"
  "${PSQL[@]}" -c "\\copy (SELECT * FROM forecast.forecasts WHERE run_id = $2) TO '$TMP/out.bin' (FORMAT binary)"
  t0=$(bench_now)
  "${PSQL[@]}" -c "\\copy public.bench_forecasts FROM '$TMP/out.bin' (FORMAT binary)"
  write_s=$(bench_secs "$t0" "$(bench_now)")
  rm -f "$TMP/out.bin"
  "${PSQL[@]}" -c "DROP TABLE public.bench_forecasts"
  echo "$read_s $write_s"
}
