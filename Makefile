# CoResponse: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint security format clean help loadtest bench

help:
	@echo "make run    set up, migrate, seed the demo if the database is empty, serve on http://127.0.0.1:5000"
	@echo "make test   run the whole test suite on every core (DATABASE_URL: on PostgreSQL; CORESPONSE_TEST_NOW=23:30: at that time)"
	@echo "make lint   ruff check and format check, mypy over coresponse/, and the import layers (lint-imports)"
	@echo "make security   bandit over the application code"
	@echo "make bench  large data (built once) under gunicorn, every page timed against a floor (bench/README.md)"
	@echo "make loadtest   two app instances on PostgreSQL, 20 clinicians syncing: exactly-once check (LOADTEST_SECONDS=60)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CoResponse needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	CORESPONSE_ENV=development $(BIN)/flask db upgrade
	CORESPONSE_ENV=development $(BIN)/flask seed-demo --if-empty
	@echo "Serving CoResponse on http://127.0.0.1:5000 (Ctrl-C to stop)"
	CORESPONSE_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

# One worker per core (PYTEST_WORKERS=0 runs in this process, e.g. for a debugger).
PYTEST_WORKERS ?= auto
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# lint-imports: the layer contracts in pyproject.toml (README, "Code map").
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# Medium and high findings fail; the demo's seeded random generator is marked nosec.
security: $(VENV)/.dev-installed
	$(BIN)/bandit -q -r coresponse -ll

# Two gunicorn instances against one PostgreSQL (BENCH_DATABASE_URL, or a fresh database).
loadtest: $(VENV)/.runtime-installed
	$(BIN)/python bench/load_sync.py

# Not part of `make test`. BENCH_PEOPLE, BENCH_CONTACTS, BENCH_DATABASE_URL, BENCH_DURATION: bench/README.md.
bench: $(VENV)/.runtime-installed
	$(BIN)/python bench/run.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache
