# Two commands do all the set-up: `make demo` and `make test`.
# Both create .venv and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# make demo PORT=8760 · make demo ARGS='--host 0.0.0.0 --checkpoint-every 100'
PORT ?= 8750
ARGS ?=

demo: $(STAMP)
	$(BIN)/statelink demo --port $(PORT) $(ARGS)

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/core_switch.py

clean:
	rm -rf $(VENV) statelink-data .pytest_cache .mypy_cache .ruff_cache
