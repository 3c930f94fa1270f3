# Reverse-mentoring platform. `make run` brings the whole system up; `make test` installs and tests it all.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
TOOLS ?= .cache/tools
VENV_STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help venv install infra-install infra-up infra-down infra-status run test test-unit test-integration \
        test-e2e test-contract lint fmt bench docs clean

help: ## list targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==0.13.8
	$(UV) pip sync -q --python $(PY) requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	touch $@

venv: $(VENV_STAMP) ## create .venv with the pinned dependencies (requirements.lock)

install: venv infra-install ## everything local runs and tests need

lock: ## re-resolve requirements.lock from pyproject.toml
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

infra-install: venv ## install Apache Kafka and FerretDB into .cache (idempotent)
	$(PY) deploy/local/infra.py install

infra-up: infra-install ## start Kafka + FerretDB as local processes (env written to .run/infra/env)
	$(PY) deploy/local/infra.py up

infra-down: ## stop the local Kafka + FerretDB started by infra-up
	$(PY) deploy/local/infra.py down

infra-status:
	$(PY) deploy/local/infra.py status

run: install ## bring up Kafka, FerretDB, all four services with workers and demo data
	$(PY) deploy/local/stack.py

test: install ## the whole suite against real Kafka + FerretDB it starts itself
	$(PY) -m pytest tests $(PYTEST_ARGS)

test-unit: venv ## pure domain tests, no servers
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: install ## real Kafka + Mongo-wire integration tests
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: install ## the services as processes
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

test-contract: venv ## published schemas match the code
	$(PY) -m pytest tests/contract $(PYTEST_ARGS)

lint: venv ## ruff lint + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv ## format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

docs: venv ## regenerate docs/ (JSON Schemas, AsyncAPI, OpenAPI) from the code
	$(PY) -m shared.docs

bench: install ## benchmarks; results in bench/results/*.json
	$(PY) -m bench.run

.PHONY: chaos
chaos: install ## 10,000 events while every worker is killed twice and Kafka, FerretDB restart (bench/results/chaos.json)
	$(PY) -m bench.chaos --events 10000

clean: ## remove caches and run state (keeps the installed Kafka/FerretDB cache)
	rm -rf .run .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

-include deploy/helm/helm.mk
