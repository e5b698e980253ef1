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

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	@scripts/system-deps.sh --test
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

clean:
	rm -rf output .pytest_cache
