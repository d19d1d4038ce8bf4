# Two commands for a fresh clone: `make test` and `make book`. Each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# One data folder for the command line, the tests and the chapters (which run in notebooks/):
# the project's data/ unless LITHM_DATA is set (CI points it at the offline copies).
export LITHM_DATA ?= $(CURDIR)/data

.PHONY: venv test lint format book smoke bench clean-book

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,book,cluster]"
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks/*.py
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline --quiet .github/workflows
	$(BIN)/python scripts/setup_cell.py --check

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: $(STAMP) lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/step_time.py

# The book (Jupyter Book 1.x): targets live in book.mk.
-include book.mk
