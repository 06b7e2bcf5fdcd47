import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 31, item 9: the documented container path must work on any day, not only the day it was
/// written. The podman script's SQL path — its cutoff (`podman-stack.sh end`), demo data ending
/// there, a run enqueued in SQL and taken by a worker daemon — runs against a PostgreSQL whose
/// clock is a month ahead (libfaketime), as is the script's own `date`, and the run is published.
/// forecastctl itself runs unfaked (Swift's reading of its arguments breaks under libfaketime):
/// the daemon takes its as-of from the database's clock, which is what moves here.
extension Exclusive {
    @Suite struct TimeTravelTests {
        @Test func theContainerScriptsPathWorksAMonthAhead() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("month-ahead-\(getpid())").path
            let port = try TestPorts.free(.monthAheadPostgres)
            let script = #"""
                set -euo pipefail
                ahead() { LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME=+30d "$@"; }
                trap 'PG_LOCAL_DIR="$DIR" ops/scripts/pg-local.sh destroy >/dev/null 2>&1 || true' EXIT
                url=$(PG_LOCAL_DIR="$DIR" PG_LOCAL_PORT="$PORT" ahead ops/scripts/pg-local.sh start | tail -1)
                end=$(ahead ops/scripts/podman-stack.sh end)
                "$BIN" migrate --database-url "$url" >/dev/null
                "$BIN" demo-data --items 6 --locations 2 --days 120 --end "$end" --seed 11 --database-url "$url" >/dev/null
                "$BIN" worker --workers 1 --poll-seconds 1 --database-url "$url" >"$DIR/worker.log" 2>&1 &
                worker=$!
                request=$(psql "$url" -X -tAc "SELECT forecast.enqueue_run('$end', 'day', 14)")
                status=waiting
                for _ in $(seq 1 240); do
                  status=$(psql "$url" -X -tAc "SELECT coalesce(r.status, 'waiting') FROM forecast.run_requests q LEFT JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = $request")
                  [[ "$status" == published || "$status" == failed ]] && break
                  sleep 0.5
                done
                kill -TERM "$worker"; wait "$worker" || true
                echo "real=$(date -u +%F) clock=$(ahead date -u +%F) db=$(psql "$url" -X -tAc 'SELECT current_date') end=$end status=$status"
                psql "$url" -X -tAc "SELECT coalesce(string_agg(contract || ': ' || violations, '; '), 'none') FROM forecast.contract_results WHERE violations > 0 AND severity = 'block'"
                """#
            let result = try Shell.run(["-c", script], env: ["DIR": dir, "PORT": String(port), "BIN": CLI.binary])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let fields = Dictionary(
                uniqueKeysWithValues: (result.stdout.split(separator: "\n").first ?? "").split(separator: " ").compactMap { pair -> (String, String)? in
                    let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    return kv.count == 2 ? (kv[0], kv[1]) : nil
                })
            let real = try #require(fields["real"].flatMap { PostgresDate(iso: $0) }), clock = try #require(fields["clock"].flatMap { PostgresDate(iso: $0) })
            #expect(clock.unixDays - real.unixDays == 30 && fields["db"] == fields["clock"], "\(result.stdout)")
            #expect(fields["status"] == "published", "\(result.stdout)\(result.stderr)")
        }
    }
}
