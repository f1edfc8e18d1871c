# vconf: `make run` serves a demo province on 127.0.0.1:8000 (and runs its worker); `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev lint e2e messages fuzz race load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# Test, lint and fuzzing tools on top of the product's requirements (not needed by `make run`).
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP) $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo
	BIN=$(BIN) bin/run  # the web server and the worker together; Ctrl-C stops both

test: install-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

# schemathesis against /api/schema/ of a scratch server, every check on; fails on any finding.
fuzz: install-dev
	$(BIN)/python bin/fuzz

# Browser tests (e2e/): Debian's chromium driven by Playwright, no browser download.
e2e: install-dev
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)
	$(BIN)/pip install --quiet -r requirements-e2e.txt
	$(BIN)/python -m pytest -q -p no:cacheprovider e2e

# 8 processes booking the same endpoints at once, 50 rounds, SQLite and PostgreSQL.
race: install
	$(BIN)/python bench/race.py

# 50 users for 2 minutes against 2 uvicorn workers + PostgreSQL + Redis (needs both running).
load: install
	bash bench/load.sh

# Compile translations after editing locale/*/LC_MESSAGES/django.po (the .mo files are committed).
messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv
