# Trial-matching assistant. `make run` serves it, `make test` tests it (CI runs `make test`).
SHELL := /bin/bash
ACT := .venv/actions/bin
RASA := .venv/rasa/bin
export PYTHONPATH := $(CURDIR)

.PHONY: setup setup-actions setup-rasa test lint catalogue unit scenarios bench run clean

setup:
	scripts/setup.sh all

setup-actions:
	scripts/setup.sh actions

setup-rasa:
	scripts/setup.sh rasa

lint: setup-actions
	$(ACT)/ruff check .

catalogue: setup-actions
	$(ACT)/trialbot trials validate

unit: setup-actions
	$(ACT)/python -m pytest -q -p no:cacheprovider tests/unit

scenarios: setup-actions
	$(ACT)/trialbot scenarios run tests/scenarios/*.yaml

test: setup lint catalogue unit scenarios

bench: setup-actions
	$(ACT)/python scripts/bench.py

run: setup
	scripts/run.sh

clean:
	rm -rf .venv catalog.db results reports .pytest_cache .ruff_cache
