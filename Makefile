# geo_service: `make run` serves the app with demo data; `make test` runs the whole test suite.
# Both install what is missing first (Debian packages, .venv, front-end assets) and skip what is done.
SHELL := /bin/bash
PORT ?= 5000
export PORT
PYTHON ?= python3
export PYTHON
BIN := .venv/bin
VENV_STAMP := .venv/.requirements-installed
ASSETS_STAMP := static/vendor/.installed

.PHONY: run test setup setup-test system system-test venv assets db-up db-start db-stop db-status migrate demo lint bench

run: setup db-up
	$(BIN)/geo-service migrate
	$(BIN)/geo-service demo --if-empty
	$(BIN)/geo-service serve --host 127.0.0.1 --port $(PORT)

test: setup-test db-up
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: system venv assets
setup-test: system-test venv assets

system:
	@bash scripts/bootstrap.sh system
system-test:
	@bash scripts/bootstrap.sh system --test

venv: $(VENV_STAMP)
$(VENV_STAMP): requirements.txt pyproject.toml scripts/bootstrap.sh
	bash scripts/bootstrap.sh venv
	touch $@

assets: $(ASSETS_STAMP)
$(ASSETS_STAMP): package.json package-lock.json vendor-assets.json scripts/vendor_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/vendor_assets.py
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

lint: venv
	$(BIN)/ruff check .
