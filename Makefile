# Bình An: two commands.  `make run` = set up and start the terminal chat; `make test` = set up and test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean gazetteer

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set up (virtualenv + install) and start the terminal chat on SQLite and the bundled knowledge base.
run: $(STAMP)
	$(BIN)/binhan console

## Set up and run the whole test suite (lint first: it is part of the bar).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Benchmarks (a few minutes): writes docs/benchmarks.md, with docs/benchmarks-notes.md appended.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --out docs/benchmarks.md --notes docs/benchmarks-notes.md

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## Rebuild knowledge/data/gazetteer from ../shared/data (developers only; the result is committed).
gazetteer: $(STAMP)
	$(BIN)/python scripts/build_gazetteer.py ../shared/data knowledge/data/gazetteer

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
