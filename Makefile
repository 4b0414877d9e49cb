# htsd — the two commands of the README contract are `make demo` and `make test`.
# Each creates .venv when missing and installs the project into it; once installed it is quick.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.htsd-installed

.PHONY: demo test bench lint install sysdeps jsdeps clean mutation

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need (Chromium for the report check). Skipped when present.
sysdeps:
	@bash scripts/sysdeps.sh

# npm packages of the XForm-engine tests (tests/js): `npm ci` only when node_modules is
# missing or older than package.json / package-lock.json.
JS_DIR := tests/js
JS_STAMP := $(JS_DIR)/node_modules/.package-lock.json

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund
	@touch $(JS_STAMP)

jsdeps: $(JS_STAMP)

demo: $(STAMP) sysdeps
	$(BIN)/htsd demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: $(STAMP) sysdeps jsdeps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

# `make bench`: sync and load throughput (bench/__main__.py); `htsd sync` of N family
# evaluations against a minimal hand-written pipeline, alternating, 3 rounds
# (bench/compare.py; `make bench N=30000` for another size); then validating
# BENCH_VALIDATE_N family evaluations with rosters (bench/validation.py).
# PostgreSQL too: the machine's own server unless HTSD_BENCH_POSTGRES_URL says another
# (`make bench HTSD_BENCH_POSTGRES_URL=` for SQLite alone).
N ?= 100000
BENCH_VALIDATE_N ?= 100000
HTSD_BENCH_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: $(STAMP)
	@# bytecode first, as an installed htsd has it (PYTHONDONTWRITEBYTECODE may be set)
	@$(BIN)/python -m compileall -q etl forms warehouse validation localkobo localcentral bench
	$(BIN)/python -m bench
	HTSD_BENCH_POSTGRES_URL="$(HTSD_BENCH_POSTGRES_URL)" $(BIN)/python -m bench.compare --size $(N)
	$(BIN)/python -m bench.validation --size $(BENCH_VALIDATE_N)

# `make mutation` (not part of `make test`): mutmut mutates etl/sync.py, warehouse/raw.py,
# warehouse/load.py and etl/kobo/client.py and runs, for each mutant, the in-process tests that
# cover it ([tool.mutmut] in pyproject.toml), two at a time; then prints the survivors
# (`mutmut show NAME` gives a survivor's diff). Installs the `mutation` extra first.
MUTATION_CHILDREN ?= 2
mutation: $(STAMP)
	@test -x $(BIN)/mutmut || $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,mutation]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) > mutation-run.log 2>&1 || true
	@tail -n 3 mutation-run.log
	@echo "survivors (mutmut results):"
	@$(BIN)/mutmut results

clean:
	rm -rf $(VENV) mutants mutation-run.log build *.egg-info .pytest_cache .mypy_cache .ruff_cache
