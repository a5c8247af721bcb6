# The verbs a newcomer needs. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test bench lint format schemas clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv/ with sprintml and its test and lint tools

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "sprintml needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: install ## serve the API on $(HOST):$(PORT) (embedded Postgres unless DATABASE_URL is set)
	$(BIN)/sprintml serve --host $(HOST) --port $(PORT)

test: install ## run the whole test suite
	$(BIN)/pytest

bench: install ## run every benchmark in bench/ (about 10 min); each prints its figures and ratios
	$(BIN)/python bench/eventstore.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/projections.py
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/allocation.py

lint: install ## ruff and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean: ## remove .venv/ and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
