# dealernet: `make run` starts the whole network with a demo channel; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: run test check lint typecheck proto proto-check deploy-check infra test-packages migrate seed reconcile bench clean

$(STAMP): requirements.lock scripts/install.sh
	PYTHON=$(PYTHON) scripts/install.sh
	touch $(STAMP)

infra:
	scripts/ensure_infra.sh

# Debian's Chromium, which the portal's browser tests drive (tests/browser), and a Chinese
# font for statements as PDF.
test-packages:
	@scripts/ensure_test_packages.sh

migrate: $(STAMP) infra
	$(BIN)/python -m plumbing.migrate

seed: migrate
	$(BIN)/python -m scripts.plant_simulator --declare
	$(BIN)/python -m scripts.seed_demo

reconcile: $(STAMP) infra
	$(BIN)/python -m inventory_service.reconcile

run: seed
	@$(BIN)/python -W ignore -m plumbing.declare_queues
	@$(BIN)/python -m scripts.seed_demo --print-logins
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start -f Procfile

proto: $(STAMP)
	scripts/gen_proto.sh

proto-check: $(STAMP)
	scripts/check_proto.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

deploy-check: $(STAMP)
	scripts/check_deploy.sh

check: lint typecheck proto-check deploy-check

test: $(STAMP) infra test-packages check
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(STAMP) infra
	$(BIN)/python -m bench.hops
	$(BIN)/python -m bench.plant_feed
	$(BIN)/python -m bench.inventory
	$(BIN)/python -m bench.customer
	$(BIN)/python -m bench.support
	$(BIN)/python -m bench.order_placement
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.receivables

clean:
	rm -rf $(VENV) var
