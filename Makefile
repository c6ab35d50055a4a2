# The front door. `make run` and `make test` are the two commands a new user needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3

RASA_VENV := .venv/rasa
BACKEND_VENV := .venv/backend
# The backend's runtime plus the test, lint and type-check tools (requirements/dev.lock); production never has it.
DEV_VENV := .venv/dev
RASA := $(RASA_VENV)/bin/rasa
SPACY_MODEL := .build/spacy_en/meta.json
MODEL := models/current.tar.gz

# Privacy: no Rasa process may send telemetry or error reports anywhere.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

TRAINING_INPUTS := config.yml $(SPACY_MODEL) \
	bot/intent_classifier.py bot/normalising_tokenizer.py bot/reference_intent.py \
	$(shell find domain data bot/safeguarding bot/policies -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)
RASA_DATA := --domain domain --data data --config config.yml

.PHONY: help setup secrets train run run-scaled chaos test-chaos test-e2e-scaled scaled-services test lint validate test-backend test-rasa-side test-conversations \
	test-e2e eval-nlu eval-intents eval-safeguarding benchmark clean

help:
	@echo "make run    set everything up and start backend, action server and Rasa"
	@echo "make test   set everything up and run every test"
	@echo "make run-scaled   the same, REPLICAS (2) of each service behind nginx, on PostgreSQL and Redis"
	@echo "make chaos        simulated children while services are killed; prints what was lost"
	@echo "make setup | train | lint | benchmark | eval-nlu | eval-intents | eval-safeguarding | clean"

$(RASA_VENV)/.lock-sha256: requirements/rasa.lock scripts/make_venv.sh
	@scripts/make_venv.sh $(RASA_VENV) requirements/rasa.lock --ignore-requires-python

$(BACKEND_VENV)/.lock-sha256: requirements/backend.lock scripts/make_venv.sh
	@scripts/make_venv.sh $(BACKEND_VENV) requirements/backend.lock

$(DEV_VENV)/.lock-sha256: requirements/backend.lock requirements/dev.lock scripts/make_venv.sh
	@scripts/make_venv.sh $(DEV_VENV) requirements/backend.lock requirements/dev.lock

$(SPACY_MODEL): bot/spacy_pipeline.py $(RASA_VENV)/.lock-sha256
	@$(RASA_VENV)/bin/python -m bot.spacy_pipeline .build/spacy_en

# Every setup: creates var/secrets.env, or adds the keys an older installation lacks (quiet otherwise).
secrets:
	@scripts/make_secrets.sh var/secrets.env

setup: $(RASA_VENV)/.lock-sha256 $(BACKEND_VENV)/.lock-sha256 $(SPACY_MODEL) secrets

# Retrain only when the training data, domain, config or NLU components changed.
$(MODEL): $(TRAINING_INPUTS) | setup
	@echo "==> training the Rasa model"
	@$(RASA) train $(RASA_DATA) --out models --fixed-model-name current --quiet
	@touch $@

train: $(MODEL)

run: setup train
	@$(PYTHON) scripts/run.py

# N of each service behind nginx on PostgreSQL and Redis (scripts/scaled.py); the same ports as `make run`.
REPLICAS ?= 2
run-scaled: setup train scaled-services
	@$(PYTHON) scripts/run.py --replicas $(REPLICAS)

# What the scaled deployment needs, installed from Debian's packages and started where absent.
scaled-services:
	@scripts/ensure_postgres.sh
	@scripts/ensure_redis.sh
	@scripts/ensure_nginx.sh

# Simulated children while replicas are killed and the databases restarted (scripts/chaos.py).
CHAOS_ARGS ?= --children 24 --minutes 4
chaos: setup train scaled-services
	@$(BACKEND_VENV)/bin/python -m scripts.chaos $(CHAOS_ARGS)

# The end-to-end tests against the scaled stack (those reading one machine's files are skipped).
test-e2e-scaled: setup $(DEV_VENV)/.lock-sha256 train node_modules/.package-lock.json scaled-services
	@scripts/ensure_chromium.sh
	@E2E_STACK=scaled $(DEV_VENV)/bin/python -m pytest tests/e2e -q

# The short version in `make test`: one fault of each kind.
test-chaos: setup train scaled-services
	@$(BACKEND_VENV)/bin/python -m scripts.chaos --short --children 20 --minutes 1.5

# Only the dev venv: no Rasa environment, no spaCy pipeline.
lint: $(DEV_VENV)/.lock-sha256
	@$(DEV_VENV)/bin/ruff check .
	@$(DEV_VENV)/bin/ruff format --check .
	@$(DEV_VENV)/bin/mypy

validate: setup
	@$(RASA) data validate $(RASA_DATA) --quiet

test-backend: setup $(DEV_VENV)/.lock-sha256
	@scripts/ensure_chromium.sh
	@scripts/ensure_postgres.sh
	@$(DEV_VENV)/bin/python -m pytest tests/backend tests/deploy -q

test-rasa-side: setup train
	@$(RASA_VENV)/bin/python -m pytest tests/actions tests/bot -q

test-conversations: setup train
	@scripts/conversation_tests.sh

node_modules/.package-lock.json: package-lock.json
	@npm ci --no-audit --no-fund --silent

test-e2e: setup $(DEV_VENV)/.lock-sha256 train node_modules/.package-lock.json
	@scripts/ensure_chromium.sh
	@scripts/ensure_nginx.sh
	@$(DEV_VENV)/bin/python -m pytest tests/e2e -q

# The backend tests need no model: they run while the model trains (one core each), which
# takes about 5 minutes off a fresh run. Output is kept together per target.
test: lint validate
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-backend train
	@$(MAKE) --no-print-directory test-rasa-side test-conversations test-e2e test-chaos
	@echo "==> all tests passed"

# This product (one replica, and 2 behind nginx) against Rasa's own `rasa init` bot, same load (scripts/benchmark.py).
benchmark: setup $(DEV_VENV)/.lock-sha256 train scaled-services
	@$(DEV_VENV)/bin/python -m scripts.benchmark $(BENCH_ARGS)

eval-nlu: setup
	@$(RASA_VENV)/bin/python -m scripts.eval_nlu

eval-intents: setup train
	@$(RASA_VENV)/bin/python -m scripts.eval_intents $(ARGS)

eval-safeguarding: setup
	@$(RASA_VENV)/bin/python -m scripts.eval_safeguarding $(ARGS)

clean:
	rm -rf .build models results test-output .rasa
