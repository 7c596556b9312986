# The two commands of a fresh clone: `make run` (the daemon) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= feeds.yaml

.PHONY: run once demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

run: $(STAMP)  ## start the daemon on feeds.yaml (serves public/ on 127.0.0.1:8080)
	$(BIN)/nashra --config $(CONFIG) run

once: $(STAMP)  ## one full cycle, then exit
	$(BIN)/nashra --config $(CONFIG) run --once

demo: $(STAMP)  ## one offline cycle over the sample feeds in seeds/feeds; leaves public/
	$(BIN)/nashra demo --output public

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## the benchmarks (print figures; about 20 minutes in all)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/classifier.py
	$(BIN)/python bench/cluster.py
	$(BIN)/python bench/stream.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) var public .pytest_cache
