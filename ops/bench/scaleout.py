#!/usr/bin/env python3
"""The scale-out curve of a run's work phase, simulated from its measured per-item costs.

This VM has two cores: four worker hosts cannot be measured on it, and two daemons already share
the cores with PostgreSQL. So the curve is simulated (issue 32 allows it; the output says so):

- a work item's worker cost is its measured CPU (`forecast.work_items.cpu_seconds`, the worker
  thread's own CPU for reading, forecasting and writing) plus the measured time a daemon spends
  between items (claiming, waiting, the run's bookkeeping): the work phase times the daemons that
  ran it, less the items' own wall time, per item;
- its database cost is its share of the PostgreSQL-only floor measured in the same benchmark
  (binary COPY OUT of the input rows, COPY IN of the run's rows): the read part in proportion to the
  rows it read, the write part to the rows it wrote;
- each worker host has one core and takes items in chunk order as it frees (the queue's claim
  order); an item's database part runs on the database server, which serves at most `db_cores`
  items' parts at once (the rest wait), then the worker computes. Worker and database parts of one
  item are sequential; items on different hosts overlap.

Prints, for 1, 2 and 4 hosts, the simulated work phase, the speed-up over one host, and the time
the database alone needs for the same rows (the bound no number of hosts beats), and ends with
scaleout_2_hosts=<x> and scaleout_4_hosts=<y>.

Usage: scaleout.py DATABASE_URL RUN_ID READ_SECONDS WRITE_SECONDS WORK_SECONDS DAEMONS [DB_CORES]
"""
import heapq
import subprocess
import sys


def items(url, run):
    out = subprocess.run(
        ["psql", url, "-X", "-q", "-tA", "-F", ",", "-c",
         f"SELECT chunk, coalesce(cpu_seconds, 0), coalesce(rows_read, 0), coalesce(rows_written, 0), "
         f"extract(epoch FROM finalized_at - attempted_at) FROM forecast.work_items "
         f"WHERE run_id = {int(run)} AND state = 'completed' ORDER BY chunk"],
        check=True, capture_output=True, text=True).stdout
    return [tuple(float(v) for v in line.split(",")) for line in out.split("\n") if line]


def simulate(work, hosts, db_cores):
    """Makespan of `work` [(cpu, db)] on `hosts` one-core workers sharing a `db_cores` database."""
    free = [0.0] * hosts  # when each host is next free
    db = [0.0] * db_cores  # when each database core is next free
    heapq.heapify(free)
    heapq.heapify(db)
    end = 0.0
    for cpu, dbcost in work:
        start = heapq.heappop(free)
        db_start = max(start, heapq.heappop(db))
        db_end = db_start + dbcost
        heapq.heappush(db, db_end)
        done = db_end + cpu
        heapq.heappush(free, done)
        end = max(end, done)
    return end


def main():
    url, run, read_s, write_s = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    work_s, daemons = float(sys.argv[5]), int(sys.argv[6])
    db_cores = int(sys.argv[7]) if len(sys.argv) > 7 else 2
    rows = items(url, run)
    if not rows:
        sys.exit(f"scaleout: run {run} has no completed work items")
    read_total = sum(r[2] for r in rows) or 1
    write_total = sum(r[3] for r in rows) or 1
    measured_wall = sum(r[4] for r in rows)
    between = max(0.0, (work_s * daemons - measured_wall) / len(rows))
    work = [(cpu + between, read_s * rr / read_total + write_s * rw / write_total) for _, cpu, rr, rw, _ in rows]
    cpu_total = sum(r[1] for r in rows)
    print(f"scale-out of run {run}'s work phase, simulated from {len(rows)} work items: worker CPU {cpu_total:.1f} s "
          f"in all (measured), database {read_s + write_s:.1f} s (the floor: read {read_s:.1f} + write {write_s:.1f}), "
          f"{db_cores} database cores; the items' own wall time summed {measured_wall:.1f} s, and {between * 1000:.0f} ms "
          f"between items per item ({work_s:.1f} s of work phase x {daemons} daemons)")
    print(f"{'worker hosts':>12} {'work s':>9} {'speed-up':>9} {'database-bound s':>17}")
    one = simulate(work, 1, db_cores)
    bound = (read_s + write_s) / db_cores
    result = {}
    for hosts in (1, 2, 4):
        t = simulate(work, hosts, db_cores)
        result[hosts] = one / t
        print(f"{hosts:>12} {t:>9.1f} {one / t:>9.2f} {bound:>17.1f}")
    print("(simulated, not measured: one core per worker host, the database on a host of its own)")
    print(f"scaleout_2_hosts={result[2]:.2f} scaleout_4_hosts={result[4]:.2f} (targets >= 1.8 and >= 3.4)")


if __name__ == "__main__":
    main()
