# hubbub — one target per developer action. `make help` lists them.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := python3 -m uv
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup up test lint format bench schema clean web browser web-api
.PHONY: superset

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced ## Install hubbub and its locked dependencies into .venv

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
	web/package-lock.json web/vite.config.ts web/tsconfig.json

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build
	@touch $@

web: web/dist/index.html ## Build the dashboard (web/dist) when its sources changed

web-api: setup ## Refresh web/openapi.json and the dashboard's API types from the running code
	$(UV) run python -m hubbub.api.openapi_web > web/openapi.json
	cd web && npm run gen:api

# the browser and web server the e2e and nginx tests drive (Debian's, never a downloaded one)
browser: ## Install Debian's chromium, emoji fonts and nginx when missing (needs root)
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing="$$missing fonts-noto-color-emoji"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (Debian packages)"; export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq $$missing \
			|| { apt-get update -qq && apt-get install -y -qq $$missing; }; \
	fi

up: setup web ## Run the embedded stack (simulator → enricher → DuckDB → API on http://127.0.0.1:8000)
	$(UV) run hubbub up

test: setup web browser superset ## Run every test (Vitest, then unit, integration, end-to-end)
	cd web && npm test -- --run
	$(UV) run pytest $(PYTEST_ARGS)

# Superset runs from its own virtualenv (it pins its own Flask, SQLAlchemy and pandas);
# hubbub talks to it over HTTP only. Rebuilt when deploy/superset/requirements.txt changes.
SUPERSET_VENV := .venv-superset

$(SUPERSET_VENV)/.installed: deploy/superset/requirements.txt
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) venv --clear --python python3 $(SUPERSET_VENV)
	$(UV) pip install --python $(SUPERSET_VENV)/bin/python -r deploy/superset/requirements.txt
	@touch $@

superset: $(SUPERSET_VENV)/.installed ## Install Superset 6.1 into .venv-superset (see README "Superset")

lint: setup ## Ruff and mypy
	$(UV) run ruff check src tests bench
	$(UV) run mypy

format: setup ## Format the code
	$(UV) run ruff format src tests bench

bench: setup ## Print the benchmark figures (bench/*.py)
	@for b in bench/*.py; do echo "== $$b"; $(UV) run python $$b || exit 1; done

schema: setup ## Regenerate the topics' JSON Schema files in schemas/
	$(UV) run hubbub schema --out schemas

clean: ## Remove the venv, local data and caches
	rm -rf .venv data .pytest_cache .bench
