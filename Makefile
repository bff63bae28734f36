# geo_service: `make run` serves the app with demo data; `make test` runs the whole test suite.
# Both install what is missing first (Debian packages, .venv, front-end assets) and skip what is done.
SHELL := /bin/bash
PORT ?= 5000
export PORT
PYTHON ?= python3
export PYTHON
BIN := .venv/bin
VENV_STAMP := .venv/.requirements-installed
VENV_TEST_STAMP := .venv/.test-requirements-installed
VENV_DEV_STAMP := .venv/.dev-requirements-installed
ASSETS_STAMP := static/vendor/.installed

.PHONY: run test test-quick test-db-up test-db-clean setup setup-test system system-test venv venv-test venv-dev assets db-up db-start db-stop db-status migrate demo lint bench

run: setup db-up
	$(BIN)/geo-service migrate
	$(BIN)/geo-service demo --if-empty
	$(BIN)/geo-service serve --host 127.0.0.1 --port $(PORT)

# The tests run on pytest-xdist workers (TEST_WORKERS, default: one per CPU) and print the 25 slowest at the end.
# They ignore the caller's DATABASE_URL, PORT and GEO_* settings (tests/conftest.py); their databases live on the
# project-local cluster (GEO_DB_PORT) unless TEST_DATABASE_URL names another server. PYTHONDONTWRITEBYTECODE is
# dropped for them: with it every run recompiles the project and re-rewrites pytest's asserts (about 5 s a worker).
TEST_WORKERS ?= auto
PYTEST_XDIST := -n $(TEST_WORKERS) --dist worksteal

test: setup-test test-db-up
	env -u DATABASE_URL -u PORT -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The developer's loop: no browser, fault cluster, real data or slow subprocess servers.
test-quick: setup-test test-db-up
	env -u DATABASE_URL -u PORT -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(PYTEST_XDIST) -m quick $(PYTEST_ARGS)

# Drop every test database, the kept templates included (the next `make test` rebuilds them).
test-db-clean: venv-test test-db-up
	$(BIN)/python -m tests.db_templates

test-db-up: venv
	@if [ -z "$$TEST_DATABASE_URL" ]; then env -u DATABASE_URL $(BIN)/geo-service db start; \
	else echo "TEST_DATABASE_URL is set: no local cluster started"; fi

# `make run` installs the runtime dependencies only; `make test` adds the test extra, `make lint` the dev extra.
# The packages and the front-end assets install side by side: both mostly wait on the network.
setup: system
	@$(MAKE) --no-print-directory -j2 venv assets
setup-test: system-test
	@$(MAKE) --no-print-directory -j2 venv-test assets

system:
	@bash scripts/bootstrap.sh system
system-test:
	@bash scripts/bootstrap.sh system --test

venv: $(VENV_STAMP)
$(VENV_STAMP): requirements.txt pyproject.toml setup.py scripts/bootstrap.sh
	bash scripts/bootstrap.sh venv
	touch $@

# One pip run installs the runtime dependencies and the test extra (two runs resolved everything twice on a fresh
# clone); it stands for `venv` too.
venv-test: $(VENV_TEST_STAMP)
$(VENV_TEST_STAMP): requirements.txt pyproject.toml setup.py scripts/bootstrap.sh
	bash scripts/bootstrap.sh venv test
	touch $(VENV_STAMP) $@

venv-dev: $(VENV_DEV_STAMP)
$(VENV_DEV_STAMP): $(VENV_STAMP)
	bash scripts/bootstrap.sh venv dev
	touch $@

assets: $(ASSETS_STAMP)
$(ASSETS_STAMP): package.json package-lock.json vendor-assets.json scripts/vendor_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/vendor_assets.py
	touch $@

# Start the project-local PostGIS cluster unless DATABASE_URL points at another database.
db-up: venv
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/geo-service db start; else echo "DATABASE_URL is set: no local cluster started"; fi

db-start: venv
	$(BIN)/geo-service db start
db-stop: venv
	$(BIN)/geo-service db stop
db-status: venv
	$(BIN)/geo-service db status

migrate: venv db-up
	$(BIN)/geo-service migrate
demo: venv db-up
	$(BIN)/geo-service migrate
	$(BIN)/geo-service demo

lint: venv-dev
	$(BIN)/ruff check .
