# The README's two commands: `make run` and `make test`. Both work on a bare machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench bench-state clean messages lock check-lock

# Exactly the lock's versions, checked against its hashes (README, "Dependencies"): the venv is
# made anew whenever the lock changes, so nothing the lock no longer names stays behind.
$(VENV)/.installed: requirements/development.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/development.txt
	touch $@

## Migrate, create the demo data and serve the portal with a Celery worker on http://127.0.0.1:8000
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	PYTHON=$(PY) bin/run

## Run the whole test suite (SQLite by default; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

## Speed and memory figures (bench/README.md); uses DATABASE_URL like the portal.
## Takes about 20 minutes on PostgreSQL: the scale and shared-address benches each fill one
## location with a million recipients, and the outbox bench also stops a worker mid-mailing
## three times.
bench: $(VENV)/.installed
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/reupload.py
	$(PY) bench/low_volume.py
	$(PY) bench/high_volume.py
	$(PY) bench/outbox.py
	$(PY) bench/relay.py
	$(PY) bench/scale.py
	$(PY) bench/shared_addresses.py
	$(PY) bench/hostile.py
	$(PY) bench/hostile_web.py

## The whole state (bench/state.py): STATE_SIZE recipients (10 million) over 3,000 locations in
## a database of its own, kept and resumed between runs; an hour to fill 10 million here. Not in `make bench`.
STATE_SIZE ?= 10000000
bench-state: $(VENV)/.installed
	$(PY) bench/state.py --recipients $(STATE_SIZE) $(STATE_ARGS)

## Update the recipient portal's Spanish catalogue (portal/locale/es) from the code, then compile
## it. Needs GNU gettext; the compiled .mo is committed, so running and testing do not.
## makemessages reads the whole tree: all but portal/ and templates/portal/ is left out.
MESSAGES_IGNORE := audit bench bin bulkupload cvms devsupport helpdesk outbox providers recipients static \
	tests var test-artifacts portal/migrations 'templates/[!p]*'
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale=es --no-obsolete --add-location=file \
		$(foreach pattern,$(MESSAGES_IGNORE),--ignore=$(pattern))
	$(PY) manage.py compilemessages --locale=es --ignore=.venv --ignore=var

## Re-lock after editing pyproject.toml; LOCK_ARGS="--upgrade-package NAME" upgrades one dependency.
lock: $(VENV)/.installed
	bin/lock $(LOCK_ARGS)

## Fail if uv.lock or requirements/ is out of step with pyproject.toml (CI runs it).
check-lock: $(VENV)/.installed
	bin/lock --check

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache
