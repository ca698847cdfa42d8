# hubbub — one target per developer action. `make help` lists them.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := python3 -m uv
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup up test lint format bench schema clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced ## Install hubbub and its locked dependencies into .venv

up: setup ## Run the embedded stack (simulator → enricher → DuckDB → API on http://127.0.0.1:8000)
	$(UV) run hubbub up

test: setup ## Run every test (unit, integration, end-to-end)
	$(UV) run pytest $(PYTEST_ARGS)

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
