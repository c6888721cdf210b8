# Trial-matching assistant. `make run` serves it, `make test` tests it (CI runs `make test`).
SHELL := /bin/bash
ACT := .venv/actions/bin
RASA := .venv/rasa/bin
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup setup-actions setup-rasa setup-web browser test lint catalogue unit scenarios validate train actions-test stories \
	e2e nlu-report bench run clean criteria-report conversations fuzz i18n i18n-extract load

setup:
	scripts/setup.sh all
	scripts/web_setup.sh

setup-web:
	scripts/web_setup.sh

setup-actions:
	scripts/setup.sh actions

setup-rasa:
	scripts/setup.sh rasa

lint: setup-actions
	$(ACT)/ruff check .

catalogue: setup-actions
	$(ACT)/trialbot trials validate
	$(ACT)/trialbot trials lint

# The catalogue and import tests run on SQLite and on a throwaway PostgreSQL server (started and stopped here).
unit: setup-actions
	scripts/with_postgres.sh $(ACT)/python -m pytest -q -p no:cacheprovider tests/unit

scenarios: setup-actions
	$(ACT)/trialbot scenarios run tests/scenarios/*.yaml

# Every sentence the assistant says has its French and Dutch translation (bot/locale); `make i18n-extract` after a
# sentence changed brings the catalogues up to the code.
i18n: setup-actions
	$(ACT)/python scripts/i18n_catalogue.py check

i18n-extract: setup-actions
	$(ACT)/python scripts/i18n_catalogue.py extract

validate: setup-rasa
	$(RASA)/rasa data validate --fail-on-warnings

train: setup
	scripts/train.sh

actions-test: setup-actions
	$(ACT)/python -m pytest -q -p no:cacheprovider tests/actions

stories: train
	$(RASA)/rasa test core --e2e --stories tests/test_stories.yml -m models/trialbot.tar.gz \
		--fail-on-prediction-errors --out results/core

e2e: train
	$(ACT)/python -m pytest -q -p no:cacheprovider -m e2e tests/e2e

# A report, not a gate (about 11 minutes here): NLU cross-validation of the one model for three languages, one line per
# language (scripts/nlu_languages.py; `--languages en` gives the English-only figures).
nlu-report: setup-rasa
	$(RASA)/python scripts/nlu_languages.py --folds 3

browser: train
	scripts/web_setup.sh test
	$(ACT)/python -m pytest -q -p no:cacheprovider -m browser tests/browser

test: setup lint catalogue validate i18n unit scenarios actions-test stories e2e browser

# A report, not a gate: the criteria parser against the annotated corpora in ../shared/criteria_gold.
criteria-report: setup-actions
	$(ACT)/python scripts/criteria_report.py

# A measurement, not a test (about 15 minutes): 10, 50 and 100 whole conversations at once, with and without pauses.
load: train
	$(ACT)/python scripts/load.py

bench: setup
	$(ACT)/python scripts/bench.py
	scripts/with_postgres.sh $(ACT)/python scripts/bench_catalogue.py
	$(ACT)/python scripts/bench_action_memory.py
	$(ACT)/python scripts/bench_rest.py

# All 1,000 hostile messages of tests/e2e/test_fuzz.py over REST and 1,000 over socket.io (make test sends 200 and
# 100); about 22 minutes.
fuzz: train
	TRIALBOT_FUZZ_COUNT=1000 $(ACT)/python -m pytest -q -p no:cacheprovider -m e2e tests/e2e/test_fuzz.py

# A report, not a gate: simulated people (tests/conversations/people) talk to the assistant over REST.
# Options go through ARGS, e.g. make conversations ARGS="--transcript --json conversations.json".
conversations: setup-actions setup-rasa
	scripts/train.sh
	$(ACT)/python scripts/conversations.py $(ARGS)

# `make run PROFILE=prod`: the production profile (PostgreSQL, Redis, nginx; the variables in the README).
run: setup
	PROFILE=$(PROFILE) scripts/run.sh

clean:
	rm -rf .venv catalog.db results reports .pytest_cache .ruff_cache web/node_modules web/dist tests/browser/artifacts
