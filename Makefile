# Quick start: `make demo` or `make test`. Both begin with `make install`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The city the demo serves: a profile folder under cities/ (cities/README.md). Each city's demo has its
# own SQLite file (one database holds one municipality), unless DATABASE_URL is set.
CITY ?= cities/sapporo
# Official boundaries are not part of the project: point BOUNDARIES at the files the city gives you
# (a file, a folder or a zip). By default Sapporo's ward file, and for other cities MLIT's file of all
# Japan, from which import_boundaries takes only the loaded city's areas.
ifeq ($(CITY),cities/sapporo)
BOUNDARIES ?= $(wildcard ../shared/data/sapporo_wards.geojson)
else
BOUNDARIES ?= $(wildcard ../shared/data/N03-21_210101.json)
endif
export BOUNDARIES
# The benchmarks and the load test load the same profile into their databases.
export CITY

.PHONY: install demo test lint lock messages clean bench bench-full bench-install load load-short

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

demo: export DEBUG ?= 1
demo: export DATABASE_URL ?= sqlite:///$(CURDIR)/db-$(notdir $(CITY)).sqlite3
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_city "$(CITY)"
	$(PY) manage.py seed_demo
	@if [ -n "$(BOUNDARIES)" ]; then $(PY) manage.py import_boundaries "$(BOUNDARIES)"; \
	 else echo "BOUNDARIES is not set: the map pages show the ward table until boundaries are imported."; fi
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "chonaikai demo: http://127.0.0.1:8000/  (sample data, labelled （サンプル）)"
	$(PY) manage.py runserver 127.0.0.1:8000

# The suite on every core (pytest-xdist, one worker per core). Tests are handed out in
# pytest-django's order, so each worker runs its transactional tests (which empty the database, wards
# included) after its other database tests, as one process does; grouping by file would not. The
# browser tests are the exception (--browser-tests-first below).
# PYTEST_WORKERS=0 runs it in one process, e.g. to use a debugger.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (git-ignored __pycache__): without it
# every worker compiles the project and rewrites every test module's asserts again, each run (about
# 8 s of CPU per worker, half of collecting the suite).
PYTEST_WORKERS ?= auto
# --browser-tests-first: one worker takes the browser tests, first, while the others run the rest;
# each browser test puts back the database as it was made (tests/conftest.py, tests/database_copy.py:
# SQLite's online backup, PostgreSQL's COPY).
test: install
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n $(PYTEST_WORKERS) --dist load --browser-tests-first $(PYTEST_ARGS)

# Benchmarks on synthetic data (bench/README.md). They need PostgreSQL on 127.0.0.1:5432 (BENCH_POSTGRES)
# and make their own databases, loaded with the CITY profile. bench: the size of CITY's sample on SQLite
# and PostgreSQL, < 5 minutes, fails when a figure misses its target by more than 50 %.
# bench-full: nationwide size (3,000,000 counts) on PostgreSQL.
bench-install: install
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt

bench: bench-install
	$(PY) -m bench.run quick

bench-full: bench-install
	$(PY) -m bench.run full

# Load test (bench/README.md): locust users against gunicorn (production settings) and PostgreSQL;
# fails on any error, a read p95 over 300 ms, or a saved count missing from the database.
# load: 50 users for 2 minutes (~4 minutes in all). load-short: 20 users for 20 s, < 1.5 minutes (CI).
load: bench-install
	$(PY) -m bench.load.run --users 50 --duration 120

load-short: bench-install
	$(PY) -m bench.load.run --users 20 --duration 20 --no-static --p95-slack 1.5

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

# Regenerate the lock after changing pyproject.toml's dependencies.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check ".[dev]"
	.lock-venv/bin/pip freeze --exclude chonaikai > requirements.lock
	rm -rf .lock-venv build *.egg-info

messages: export DEBUG ?= 1
messages: install
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) .pytest_cache staticfiles
