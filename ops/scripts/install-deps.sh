#!/usr/bin/env bash
# Installs the Debian packages this project needs, only when missing.
set -euo pipefail
# chromium: headless screenshots of the HTML report (ops/scripts/report-check.sh, ReportTests).
# postgresql-15-cron: the schedule in the database (pg_cron; PgCronTests).
PKGS=(postgresql postgresql-15-cron libpq-dev pkg-config libxgboost-dev chromium fonts-dejavu-core python3)
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
