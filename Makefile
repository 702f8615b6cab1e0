# zhifa: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv run --frozen
PY_PACKAGES := zhifa ingestion dagster_defs api expectations

.PHONY: bootstrap demo test lint typecheck pytest

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	$(UV) zhifa demo

lint: bootstrap
	$(UV) ruff check .
	$(UV) ruff format --check .

typecheck: bootstrap
	$(UV) mypy $(PY_PACKAGES) tests

pytest: bootstrap
	$(UV) pytest -q

test: lint typecheck pytest
