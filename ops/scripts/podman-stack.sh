#!/usr/bin/env bash
# The forecastctl image run with podman (Debian's podman 4.3), where no Docker engine and no
# registry but Debian's are reachable: the image is built from ops/Dockerfile unchanged, on base
# images made here from a debootstrap root filesystem, then migrate, demo-data and N worker
# daemons run as containers against a PostgreSQL on the host; a run enqueued in SQL is published
# by the daemons, and `podman stop` (SIGTERM) ends each with exit code 0.
#
#   ops/scripts/podman-stack.sh images   # debootstrap Debian 12, a Swift builder stand-in, the image
#   ops/scripts/podman-stack.sh run [N]  # the stack against DATABASE_URL (default: a new database
#                                        # forecast_podman on the throwaway cluster)
#
# Needs root, podman and debootstrap (apt-get install podman debootstrap), the Swift toolchain at
# /opt/swift and the package copies at /opt/swift-packages (mounted into the build, not copied).
# The builder stand-in replaces the official swift:6.x-bookworm image, which is not reachable
# here; `debian:bookworm-slim` is the debootstrap image tagged with that name. Where the cgroup v2
# hierarchy is mounted beside v1 (this VM), crun refuses it: podman runs in a mount namespace of
# its own without that mount, with cgroups disabled and ulimits within the VM's hard limits.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK="${PODMAN_WORK:-/var/tmp/forecast-podman}"
BASE=localhost/debian:bookworm-debootstrap
BUILDER=localhost/swift-local:6.3.1-bookworm
IMAGE=localhost/forecastctl:local

pm() { unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec podman "$@"' podman "$@"; }
# The newest day whose sales have landed (the demo loads a day at 02:00 UTC the day after), so that
# the run is not blocked by sales_stale_source on any later day (issue 31, item 9: a fixed date
# passed only on the day it was written).
END="${PODMAN_END:-$(date -u -d '-1 day -2 hours' +%F)}"
RUN_OPTS=(--cgroups=disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network=host)

images() {
  mkdir -p "$WORK"
  if ! pm image exists "$BASE"; then
    [[ -d "$WORK/rootfs/etc" ]] || debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian
    tar -C "$WORK/rootfs" -c . | pm import - "$BASE"
  fi
  pm tag "$BASE" docker.io/library/debian:bookworm-slim
  mkdir -p "$WORK/builder"
  cat > "$WORK/builder/Containerfile" <<EOF
FROM $BASE
RUN apt-get update && apt-get install -y --no-install-recommends \\
      binutils git gcc libc6-dev libcurl4 libedit2 libgcc-12-dev libncurses6 libpython3.11 libsqlite3-0 \\
      libstdc++-12-dev libxml2 libz3-4 pkg-config tzdata zlib1g-dev ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
RUN git config --system url./opt/swift-packages/.insteadOf https://github.com/
ENV PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
  pm build --network=host -t "$BUILDER" "$WORK/builder"
  pm build --network=host --build-arg SWIFT_IMAGE="$BUILDER" --build-arg GIT_COMMIT="$(git rev-parse HEAD 2>/dev/null || true)" \
    -v /opt/swift:/opt/swift:ro -v /opt/swift-packages:/opt/swift-packages:ro -f ops/Dockerfile -t "$IMAGE" .
  pm image inspect "$IMAGE" --format 'image {{.Id}}: {{.Size}} bytes, user {{.Config.User}}, entrypoint {{.Config.Entrypoint}}'
}

run() {
  local n="${1:-2}"
  if [[ -z "${DATABASE_URL:-}" ]]; then # a fresh database on the throwaway cluster
    local admin; admin="$(ops/scripts/pg-local.sh start | tail -1)"
    psql "$admin" -X -q -c "DROP DATABASE IF EXISTS forecast_podman WITH (FORCE)" -c "CREATE DATABASE forecast_podman"
    DATABASE_URL="${admin%/*}/forecast_podman"
  fi
  # Connections from the containers go through the host network, as the compose file's go to the
  # postgres service; the password file is mounted read-only as the secret would be.
  mkdir -p "$WORK/secrets"
  printf '*:*:*:*:unused-with-trust\n' > "$WORK/secrets/pgpass"
  chown 10001 "$WORK/secrets/pgpass" # the image's forecast user; libpq reads only a 0600 file of its own
  chmod 600 "$WORK/secrets/pgpass"
  local opts=("${RUN_OPTS[@]}" -e DATABASE_URL="$DATABASE_URL" -e PGPASSFILE=/run/secrets/pgpass
              -e OMP_WAIT_POLICY=passive -v "$WORK/secrets/pgpass:/run/secrets/pgpass:ro")
  pm run --rm "${opts[@]}" "$IMAGE" migrate
  pm run --rm "${opts[@]}" "$IMAGE" demo-data --items 60 --locations 10 --days 400 --end "$END" --seed 11
  local names=() i
  for i in $(seq 1 "$n"); do
    pm rm -f "forecast-worker-$i" >/dev/null 2>&1 || true
    pm run -d --name "forecast-worker-$i" "${opts[@]}" "$IMAGE" worker --workers 1 --poll-seconds 1 \
      --http-port $((9470 + i)) --http-address 127.0.0.1 >/dev/null
    names+=("forecast-worker-$i")
  done
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$((9470 + i))/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    echo "worker $i /readyz: $(curl -sS "http://127.0.0.1:$((9470 + i))/readyz")"
  done
  local request status
  request=$(psql "$DATABASE_URL" -X -tAc "SELECT forecast.enqueue_run('$END', 'day', 14)")
  for _ in $(seq 1 600); do
    status=$(psql "$DATABASE_URL" -X -tAc "SELECT coalesce(r.status, 'waiting') FROM forecast.run_requests q LEFT JOIN forecast.runs r ON r.id = q.run_id WHERE q.id = $request")
    [[ "$status" == published || "$status" == failed ]] && break
    sleep 0.5
  done
  echo "run request $request: $status"
  psql "$DATABASE_URL" -X -c "
    SELECT r.id AS run, r.status, r.series_count, r.row_count,
           (SELECT count(DISTINCT w.attempted_by) FROM forecast.work_items w WHERE w.run_id = r.id) AS daemons,
           (SELECT count(*) FROM forecast.latest) AS latest_rows
    FROM forecast.runs r JOIN forecast.run_requests q ON q.run_id = r.id WHERE q.id = $request"
  curl -sS "http://127.0.0.1:9471/metrics" | grep -E '^forecast_(work_items|rows_written|last_publish)' | head -6 || true
  for c in "${names[@]}"; do pm stop -t 60 "$c" >/dev/null; done
  for c in "${names[@]}"; do
    echo "$c: exit $(pm inspect "$c" --format '{{.State.ExitCode}}'), last log line: $(pm logs "$c" 2>&1 | tail -1)"
    pm rm "$c" >/dev/null
  done
  [[ "$status" == published ]]
}

case "${1:-}" in
  images) images ;;
  run) run "${2:-2}" ;;
  end) echo "$END" ;; # the cutoff `run` uses today (TimeTravelTests runs it with the clock a month ahead)
  *) echo "usage: $0 images | run [N] | end" >&2; exit 64 ;;
esac
