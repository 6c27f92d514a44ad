# Two commands: `make run` serves the app on http://127.0.0.1:5000; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
POSTCODES := instance/postcodes.sqlite
export FLASK_APP := wsgi:app

.PHONY: run test lint install browser postcodes db seed boundaries bench clean assets

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# GOV.UK Frontend and MoJ Frontend, built from the npm packages into static/ (needs Node only
# here; the output is committed, so running and testing the app need no Node).
GOVUK := node_modules/govuk-frontend/dist/govuk
MOJ := node_modules/@ministryofjustice/frontend/moj
assets:
	npm ci --no-audit --no-fund --ignore-scripts
	npx sass --no-source-map --style=compressed --quiet-deps --load-path=. assets/scss/app.scss static/css/app.css
	rm -rf static/govuk && mkdir -p static/govuk/assets/images
	cp $(GOVUK)/govuk-frontend.min.js $(MOJ)/moj-frontend.min.js static/govuk/
	sed -i 's|//# sourceMappingURL=.*||' static/govuk/*.min.js
	cp $(MOJ)/assets/images/icon-*.svg static/govuk/assets/images/
	cp assets/licences/* static/govuk/

# The ONS Postcode Directory as a compact read-only lookup file (built once, ~1 minute).
postcodes: $(STAMP)
	$(BIN)/flask geo load-postcodes

db: $(STAMP)
	$(BIN)/flask db upgrade

seed: db postcodes
	$(BIN)/flask seed all
	$(BIN)/flask import hmpps

# Rebuild seed/geo/*.geojson from the ONS Postcode Directory (reproducible; output is committed).
boundaries: postcodes
	$(BIN)/flask geo build-boundaries

run: seed
	@echo "Serving on http://127.0.0.1:$(PORT)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# ruff (lint and formatting) and mypy, configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite on SQLite, then again on a throwaway PostgreSQL + PostGIS cluster that
# scripts/with-postgres.sh installs, starts and removes (browser tests: SQLite only).
test: $(STAMP) browser postcodes
	$(MAKE) lint
	$(BIN)/python -m pytest
	@echo "The suite again on PostgreSQL 15 + PostGIS 3:"
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -m "not e2e" -p no:cacheprovider

bench: $(STAMP) postcodes
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
