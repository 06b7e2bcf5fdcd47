#!/usr/bin/env bash
# Installs the Debian packages this project needs, only when missing.
set -euo pipefail
# chromium: headless screenshots of the HTML report (ops/scripts/report-check.sh, ReportTests).
# postgresql-15-cron: the schedule in the database (pg_cron; PgCronTests).
# iproute2: network namespaces for the scale-out test (ScaleOutTests); systemd: systemd-analyze
# verifies the units in ops/systemd (StackTests; nothing is started by it). python3-yaml: the
# deployment check ops/scripts/compose-check.py (StackTests). libxml2: FoundationXML, which the
# escaping tests parse SVG with (postgresql-15 depends on it too; named so that it does not hinge on that).
# prometheus: its promtool checks the alert rules and a real /metrics scrape (MetricsLintTests); the
# server it also ships is not started (no init system in CI; nothing enables it). faketime: a
# PostgreSQL whose clock is a month ahead, for the container script's path (TimeTravelTests).
# nftables: packets dropped on a worker host's link (make soak).
PKGS=(postgresql postgresql-15-cron libpq-dev pkg-config libxgboost-dev chromium fonts-dejavu-core python3 python3-yaml iproute2 systemd libxml2 prometheus faketime nftables)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
