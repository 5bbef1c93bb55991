# Two commands do all the set-up on a fresh Debian machine with Python 3.11:
#   make run   — install, start the embedded PostgreSQL, migrate, load demo data, serve on :8000
#   make test  — the same set-up, then the whole test suite
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test test-clock lint install system-deps browser-deps clock-deps db migrate demo worker scheduler serve db-stop \
	clean bench

$(VENV)/.installed: pyproject.toml requirements/openfisca.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) introuvable : installez Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@# OpenFisca France without its declared dependencies (they pin pytest<9, gunicorn 21): requirements/openfisca.txt
	$(PY) -m pip install --quiet --no-deps -r requirements/openfisca.txt
	@touch $@

install: system-deps $(VENV)/.installed node_modules/.installed

# Front-end libraries from npm at build time (package-lock.json pins them), served as static files.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq npm; } || { echo "npm introuvable : installez Node.js et npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# System packages: installed when missing and we are root (CI, fresh machines); otherwise we say what is missing.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-fra tesseract-ocr-osd
BROWSER_PACKAGES := chromium chromium-driver
define ensure_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "Paquets système manquants :$$missing (sudo apt-get install$$missing)"; fi; \
	fi
endef

system-deps:
	$(call ensure_packages,$(SYSTEM_PACKAGES))

browser-deps:
	$(call ensure_packages,$(BROWSER_PACKAGES))

clock-deps:
	$(call ensure_packages,faketime)

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	GRC_DATABASE_ROLE=owner $(PY) manage.py seed_demo  # the owner: the audit demo writes past-dated log rows
	$(PY) manage.py detect_duplicates --no-progress
	@# Rows written before the search app existed, or while no worker ran, are indexed now (seconds).
	$(PY) manage.py search_check >/dev/null || $(PY) manage.py search_reindex --restart --no-progress
	@# The observatory's summary tables, so its pages show the demo at once (the scheduler refreshes nightly).
	$(PY) manage.py observatoire_refresh --no-progress

run: demo
	$(PY) manage.py collectstatic --no-input -v 0
	@echo "Back-office : http://$(HOST):$(PORT)/backoffice/   Portail : http://$(HOST):$(PORT)/"
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(PY) manage.py run_scheduler & scheduler=$$!; \
	trap "kill $$worker $$scheduler 2>/dev/null" EXIT; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(PY) manage.py db_worker --no-reload

scheduler: install
	$(PY) manage.py run_scheduler

# Test workers (pytest-xdist; each gets its own test database, a copy of one migrated template database:
# tests/db_template.py, GRC_TEST_DB_TEMPLATE=0 migrates each): 2 for CI's two cores, 0 for one process.
TEST_WORKERS ?= 2
test: install browser-deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The whole suite at another hour (CLOCK, UTC), PostgreSQL and Chromium included: CI starts at any hour, and a day,
# week, month or year that has turned over in Paris but not yet in UTC once failed three tests. libfaketime with a
# fixed offset from now, so every process (a restarted PostgreSQL too) shares one clock that still runs. Tests with
# timed waits between threads hang under libfaketime 0.9.10 (its condition-variable timeouts): marked timed_waits,
# left out here, run by make test.
# A library that cannot be preloaded is only warned about by ld.so, and the suite would run at today's hour: the
# recipe stops unless Python under it sees CLOCK's day.
CLOCK ?= 2026-12-31 23:20:00
test-clock: install browser-deps clock-deps
	@lib=$$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1); \
	[ -n "$$lib" ] || { echo "libfaketime introuvable : installez le paquet faketime"; exit 1; }; \
	offset=$$(( $$(date -u -d '$(CLOCK)' +%s) - $$(date -u +%s) )); \
	export FAKETIME="+$$offset" LD_PRELOAD=$$lib DJANGO_SETTINGS_MODULE=config.settings.test; \
	seen=$$($(PY) -c "import datetime; print(f'{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}')"); \
	echo "Horloge des tests : $$seen UTC"; \
	[ "$${seen%% *}" = "$$(date -u -d '$(CLOCK)' +%Y-%m-%d)" ] || { echo "L'horloge n'a pas été déplacée"; exit 1; }; \
	$(MAKE) --no-print-directory db-stop; \
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not timed_waits" $(PYTEST_ARGS); rc=$$?; \
	unset LD_PRELOAD FAKETIME; $(MAKE) --no-print-directory db-stop; exit $$rc

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

# Each benchmark uses its own database on the embedded server; see docs/benchmarks.md for volumes and
# durations (search and audit load millions of rows on their first run).
bench: install
	$(PY) bench/identity.py
	$(PY) bench/dossier.py
	$(PY) bench/mail.py
	$(PY) bench/portal.py
	$(PY) bench/search.py
	$(PY) bench/audit.py

db-stop:
	$(PY) -c "from pathlib import Path; from config.embedded_db import stop; stop(Path('var/pgdata').resolve())"

clean: db-stop
	rm -rf var $(VENV)
