# The README's two commands: `make run` and `make test`. Both work on a bare machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
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
## Takes about 10 minutes: the listing bench builds a million recipients.
bench: $(VENV)/.installed
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/low_volume.py
	$(PY) bench/high_volume.py
	$(PY) bench/listing.py
	$(PY) bench/hostile.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache
