# billetterie — `make demo` to try it, `make test` to run the suite, `make check` before a commit.
# Works on a fresh Debian 12 (Python 3.11): creates .venv and installs what is missing.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := python3-venv chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-dejavu-core gettext
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help demo test check lint layers typecheck install system-deps

help:
	@echo "make demo    serve the demo shop on http://127.0.0.1:\$${PORT:-8000}/ (with the task worker)"
	@echo "make test    the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)"
	@echo "make check   ruff + import-linter (the layer order) + mypy + tests"
	@echo "make install create $(VENV) and install the project (the other targets do it when needed)"

system-deps:
	@scripts/system-deps.sh $(DEBIAN_PACKAGES)

$(BIN)/python: | system-deps
	$(PYTHON) -m venv $(VENV)

# reinstall only when a pyproject.toml changes; devtools/ holds the local stand-ins of the payment
# services (billetterie_fakes) that the demo and the tests use and production does not install
$(STAMP): pyproject.toml devtools/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]" -e devtools
	@touch $@

install: system-deps $(STAMP)

demo: install
	$(BIN)/billetterie demo

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests devtools

layers: install
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy src devtools/billetterie_fakes

check: lint layers typecheck test
