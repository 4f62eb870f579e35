# Vigie — every set-up step lives here or in scripts/, so a fresh machine needs only `make`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The operator UI's browser libraries (MapLibre GL JS, uPlot), copied from npm packages.
WEB_STAMP := src/vigie/web/static/vendor/.built
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench bench-quick lint lock postgres system-packages clean web screenshots

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

## make web: the UI's libraries from npm (web/package-lock.json) into src/vigie/web/static/vendor/
web: $(WEB_STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json web/build.mjs
	cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	touch $(WEB_STAMP)

## make demo: the control centre on the simulated Dijon twin, embedded store (SQLite)
demo: $(STAMP) $(WEB_STAMP)
	$(BIN)/vigie demo

## make test: installs and starts PostgreSQL, then every test on SQLite and PostgreSQL
test: $(STAMP) $(WEB_STAMP) system-packages
	VIGIE_TEST_POSTGRES_URL=$$(bash scripts/postgres.sh | tail -n 1) \
	  $(BIN)/python -m pytest -n 2 -p no:cacheprovider

system-packages:
	bash scripts/system-packages.sh

postgres: system-packages
	@bash scripts/postgres.sh | tail -n 1

## make screenshots: the README's screenshots (docs/screenshots/) retaken from the current UI
screenshots: $(STAMP) $(WEB_STAMP)
	$(BIN)/python scripts/screenshots.py docs/screenshots

## make bench: the benchmarks of docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ingest_floor.py
	$(BIN)/python bench/sim_energy.py
	$(BIN)/python bench/traffic.py
	$(BIN)/python bench/alarms.py
	$(BIN)/python bench/correlation.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/ui.py
	$(BIN)/vigie lighting prove --year 2025 --json
	$(BIN)/python bench/lighting.py
	$(BIN)/python bench/hourly_floor.py

bench-quick: $(STAMP)
	$(BIN)/python bench/registry.py --quick
	$(BIN)/python bench/ingest.py --quick
	$(BIN)/python bench/ingest_floor.py --quick
	$(BIN)/python bench/sim_energy.py --quick
	$(BIN)/python bench/traffic.py --quick
	$(BIN)/python bench/alarms.py --quick
	$(BIN)/python bench/correlation.py --quick
	$(BIN)/python bench/hostile.py --quick
	$(BIN)/python bench/lighting.py --quick
	$(BIN)/python bench/hourly_floor.py --quick
	$(BIN)/python bench/ui.py --quick

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## make lock: re-pin requirements.lock from pyproject.toml's ranges (needs the registry)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^vigie' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
