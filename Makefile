# Two commands on a fresh Debian machine (as root):
#   make book   installs what is missing, then builds manuscript/ into output/
#   make test   installs what is missing, then runs the linters and the whole test suite
# While working:
#   make check  the linters and the fast tests (no book built, no EPUBCheck, no browser): seconds
#   make lint   ruff (lint and format), mypy and the import direction
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test check lint setup setup-test clean

book: setup
	$(BIN)/publish build manuscript --out output

test: setup-test lint
	$(BIN)/python -m pytest

check: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest -m "not slow and not epubcheck and not reader and not fuzz"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check publish tests bench scripts
	$(BIN)/ruff format --check publish tests bench scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -q tests/test_layers.py

setup: $(VENV)/.installed
	@scripts/system-deps.sh

setup-test: $(VENV)/.installed-test
	@scripts/system-deps.sh --test

$(VENV)/.installed: pyproject.toml
	@scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml tests/reader/package-lock.json
	@scripts/system-deps.sh --test
	$(BIN)/pip install --quiet -e ".[test]"
	# Ace by DAISY and foliate-js + playwright-core, driven against Debian's chromium: no browser download
	cd tests/reader && ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf output .pytest_cache .mypy_cache .ruff_cache
