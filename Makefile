# Verwerker: `make run` starts the system on the embedded default; `make test` runs the whole suite.
# Both create the virtual environment on first use. VERWERKER_DATABASE_URL=postgres://... selects PostgreSQL.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# A newcomer sees the whole flow at once: the demo client, file and job are created on the first start
# (and left alone after that). Production runs `verwerker up` or the processes one by one.
run: $(STAMP)
	$(BIN)/verwerker up --demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (lint and import order) over the code, the tests and the benchmarks; mypy over src/ (pyproject.toml).
lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
