# Two commands on a fresh Debian machine (as root):
#   make book   installs what is missing, then builds manuscript/ into output/
#   make test   installs what is missing, then runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test setup setup-test clean

book: setup
	$(BIN)/publish build manuscript --out output

test: setup-test
	$(BIN)/python -m pytest

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
	rm -rf output .pytest_cache
