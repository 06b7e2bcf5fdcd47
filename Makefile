# forecastctl: see README.md.
#   make demo   end-to-end run on a synthetic catalogue (throwaway Postgres unless DATABASE_URL is set)
#   make test   unit + integration tests (throwaway Postgres unless TEST_DATABASE_URL is set)
#   make test-unit  the tests that need no database
#   make lint   swift format lint (configuration: .swift-format); `make format` rewrites in place
#   make bench  10k series x 730 days against a Postgres-only reference; prints ratio=<value>
#   make bench-accuracy  our backtest next to statsforecast (installed into .venv-bench) on the same folds
#   make bench-real      weekly backtests on real retail panels (cheese, tuna) next to statsforecast and LightGBM
#   make bench-weekly    1,000 weekly series x 120 weeks, 12 origins, every model: seconds (target <= 20)
#   make bench-latest    forecast.latest by item, by location and whole, at 1 and at 100 runs of history
#   make bench-scale     100k series x 730 days, the production policy, 1 then 2 worker daemons, against a Postgres-only floor
#   make bench-million   1M series (MILLION_DAYS, default 365: checks the disk first), two nights by daemons, every phase, night_seconds and ratio
#   make faults          server restarts, kills, timeouts, exhaustion, disk full on a cluster of its own: the fault table
#   make soak            SOAK_NIGHTS (50) compressed nights on two namespace hosts, a random fault each: soak_correct=<k>/<n> (root)
SHELL := /bin/bash
SWIFT ?= swift
PG := ops/scripts/pg-local.sh
DEMO_ITEMS ?= 200
DEMO_LOCATIONS ?= 10
DEMO_DAYS ?= 730
# The newest day whose sales have landed: the demo loads each day at 02:00 UTC the day after, so
# before 02:00 it is the day before yesterday (a demo at 1 a.m. is not blocked by a missing load).
DEMO_END ?= $(shell date -u -d '-1 day -2 hours' +%F)
DEMO_MODELS ?= seasonal_naive,ses,croston_sba,tsb,auto_theta,xgboost,price_regression,combination

.PHONY: deps build release demo demo-ops test test-unit lint format bench bench-accuracy bench-real bench-weekly bench-latest bench-scale bench-million bench-models faults soak db-start db-stop db-destroy clean

deps:
	@ops/scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

db-start: deps
	@$(PG) start

db-stop:
	@$(PG) stop

db-destroy:
	@$(PG) destroy

demo: release
	@set -euo pipefail; \
	if [[ -z "$${DATABASE_URL:-}" ]]; then DATABASE_URL="$$($(PG) start)"; export DATABASE_URL; echo "demo: throwaway PostgreSQL at $$DATABASE_URL (data in .pg/, stop with 'make db-stop')"; fi; \
	BIN="$$($(SWIFT) build -c release --show-bin-path)/forecastctl"; \
	echo "== migrate"; "$$BIN" migrate; \
	echo "== demo-data ($(DEMO_ITEMS) items x $(DEMO_LOCATIONS) locations x $(DEMO_DAYS) days, ending $(DEMO_END))"; \
	"$$BIN" demo-data --items $(DEMO_ITEMS) --locations $(DEMO_LOCATIONS) --days $(DEMO_DAYS) --end $(DEMO_END) --seed 42; \
	echo "== check"; "$$BIN" check --cutoff $(DEMO_END); \
	echo "== backtest (3 folds; the full model list is the default of 'forecastctl backtest')"; \
	"$$BIN" backtest --cutoff $(DEMO_END) --folds 3 --models $(DEMO_MODELS) --no-progress | sed -n '1,16p'; \
	echo "== train (the per-class selection over the same models: backtest, gate ops/metrics-contract.json, the global model's artifact, a candidate version)"; \
	"$$BIN" train --label "demo per-class selection" --candidates $(DEMO_MODELS) --horizon 28 --folds 3 --cutoff $(DEMO_END) --gate ops/metrics-contract.json --no-progress \
	  | sed -n -e '/^selected per demand class/p' -e '/^train:/,$$p'; \
	VERSION="$$("$$BIN" models list --format csv | awk -F, 'NR==2 {print $$1}')"; \
	echo "== promote $$VERSION to production (the gate must have passed)"; \
	"$$BIN" promote "$$VERSION" --to production --reason "make demo" | tail -2; \
	echo "== run (serves the production version: its stored artifact predicts, conformal intervals from its backtest)"; \
	"$$BIN" run --cutoff $(DEMO_END) --workers 2 --force; \
	echo "== status"; "$$BIN" status --limit 5; \
	echo "== sample of forecast.latest"; "$$BIN" latest --limit 10

# Three weeks of nightly operation simulated in a few minutes (ops/scripts/demo-ops.sh): late and
# restated actuals, an injected price drift, alerts, a retrain, shadow, promotion, rollback, report.
demo-ops: release
	@ops/scripts/demo-ops.sh "$$($(SWIFT) build -c release --show-bin-path)/forecastctl" .demo-ops

test: deps
	@set -euo pipefail; \
	if [[ -z "$${TEST_DATABASE_URL:-}" ]]; then TEST_DATABASE_URL="$$($(PG) start)"; export TEST_DATABASE_URL; fi; \
	export FORECASTCTL_BIN="$$($(SWIFT) build --show-bin-path)/forecastctl"; \
	$(SWIFT) build --build-tests; \
	ops/scripts/run-tests.sh "$$($(SWIFT) build --show-bin-path)/demand-forecastPackageTests.xctest"

# The code's layout, checked in CI (.ci/run): swift format's own rules with the project's
# .swift-format (4 spaces, 160 columns).
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift

# The tests that need no database (models, features, selection, configuration, encoders): seconds.
test-unit: deps
	$(SWIFT) test --disable-xctest --skip 'IntegrationTests|PostgresArrayRoundTripTests'

# A benchmark script run with the release binary and DATABASE_URL (the throwaway cluster unless one is given).
define with_database
@set -euo pipefail; \
if [[ -z "$${DATABASE_URL:-}" ]]; then DATABASE_URL="$$($(PG) start)"; export DATABASE_URL; fi; \
$(1) "$$($(SWIFT) build -c release --show-bin-path)/forecastctl"
endef

bench: release
	$(call with_database,ops/scripts/bench.sh)

bench-accuracy: release
	$(call with_database,ops/scripts/bench-accuracy.sh)

bench-real: release
	$(call with_database,ops/scripts/bench-real.sh)

bench-weekly: release
	$(call with_database,ops/scripts/bench-weekly.sh)

bench-latest: release
	$(call with_database,ops/scripts/bench-latest.sh)

bench-scale: release
	$(call with_database,ops/scripts/bench-scale.sh)

bench-million: release
	$(call with_database,ops/scripts/bench-million.sh)

faults: release
	python3 ops/bench/faults.py "$$($(SWIFT) build -c release --show-bin-path)/forecastctl"

SOAK_NIGHTS ?= 50
soak: release
	python3 ops/bench/soak.py "$$($(SWIFT) build -c release --show-bin-path)/forecastctl" $(SOAK_NIGHTS)

bench-models: release
	"$$($(SWIFT) build -c release --show-bin-path)/forecast-bench" 40 365

clean:
	rm -rf .build
